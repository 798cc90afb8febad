import ArgumentParser
import Encoders
import Foundation
import Pipeline

/// Options shared by the `embed` subcommands.
struct EmbedOptions: ParsableArguments {
    @Option(help: "The split to embed (train, dev, test, any split the dataset defines, or all).")
    var split: String

    @Option(help: "Where to write the vectors (.npy); the ids go beside it as .ids.txt.")
    var out: String

    @Option(help: "Items per forward pass.")
    var batchSize: Int?

    @OptionGroup var modelOptions: ModelOptions

    @Flag(help: "Recompute even if a cached result for the same inputs and encoder exists.")
    var noCache = false

    var outURL: URL { URL(fileURLWithPath: out) }

    var cache: EmbeddingCache? {
        noCache ? nil : modelOptions.cache
    }

    func validate() throws {
        if let batchSize, batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
        guard out.hasSuffix(".npy") else { throw ValidationError("--out must name a .npy file, got \(out)") }
    }

    func modelStore() throws -> ModelStore { try modelOptions.store() }
}
