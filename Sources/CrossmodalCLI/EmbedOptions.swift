import ArgumentParser
import Encoders
import Foundation
import Pipeline
import Datasets

/// Options shared by the `embed` subcommands.
struct EmbedOptions: ParsableArguments {
    @Option(help: "The split to embed (train, dev, test, any split the dataset defines, or all).")
    var split: String

    @Option(help: "Where to write the vectors (.npy); the ids go beside it as .ids.txt.")
    var out: String?

    @Option(help: "Embed only part I of N (0 ≤ I < N): the items whose key hashes to I, so N workers (a Slurm array) cover a split once.")
    var shard: String?

    @Option(help: "A postgres:// URL: share the work with other workers through a work table instead of writing --out (images only).")
    var into: String?

    @Option(help: "With --into: the table of vectors (its work table is <table>_work).")
    var table = "crossmodal_features"

    @Option(help: ArgumentHelp("With --into: seconds to hold each claimed batch before committing it (to test killed workers).", visibility: .hidden))
    var claimPause: Double = 0

    @Option(help: "With --into: when every batch left is held by other workers, keep waiting for one to come free (a killed worker's does) while some batch was finished in the last this many seconds (0: leave at once).")
    var waitForHeld: Double = 120

    @Option(help: "Items per forward pass.")
    var batchSize: Int?

    @OptionGroup var modelOptions: ModelOptions

    @Flag(help: "Recompute even if a cached result for the same inputs and encoder exists.")
    var noCache = false

    var outURL: URL { URL(fileURLWithPath: out ?? "") }

    /// The `--shard` part, or the whole split.
    func shardSelection() throws -> ShardSelection {
        try shard.map { try ShardSelection(parsing: $0) } ?? .whole
    }

    var cache: EmbeddingCache? {
        noCache ? nil : modelOptions.cache
    }

    func validate() throws {
        if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
        if let into {
            guard into.hasPrefix("postgres://") || into.hasPrefix("postgresql://") else { throw ValidationError("--into takes a postgres:// URL, not \(into.prefix(60))") }
            guard out == nil else { throw ValidationError("give --out (a file) or --into (a database), not both") }
        } else {
            guard let out else { throw ValidationError("give --out FILE.npy (or --into postgres://… to share the work through a database)") }
            guard out.hasSuffix(".npy") else { throw ValidationError("--out must name a .npy file, got \(out)") }
        }
        if let shard { _ = try ShardSelection(parsing: shard) }
        guard claimPause >= 0, claimPause <= 3600 else { throw ValidationError("--claim-pause is between 0 and 3600 seconds") }
        guard waitForHeld >= 0, waitForHeld <= 86_400 else { throw ValidationError("--wait-for-held is between 0 and 86400 seconds, got \(waitForHeld)") }
    }

    func modelStore() throws -> ModelStore { try modelOptions.store() }
}
