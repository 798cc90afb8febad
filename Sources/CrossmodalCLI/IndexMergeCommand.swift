import ArgumentParser
import Foundation
import Pipeline
import Search

/// `crossmodal index merge`: join the parts of a sharded `index build` into one gallery.
struct IndexMergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join the galleries built by `index build --shard I/N` into one gallery.",
        discussion: """
            Each PART is a local gallery of one part of the same split, made with the same run (a Slurm array task each:
            `index build RUN DATASET --shard $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT --out parts/$SLURM_ARRAY_TASK_ID`).
            Every part must be given once; the first part's model/ is copied. Rows follow the parts in the order given.
            Vector files are concatenated a chunk at a time; a set that gets an HNSW graph (at least --hnsw-threshold rows,
            or --hnsw) grows the first part's graph with the other parts' rows instead of building it again, so give the
            largest part first. --out follows `index build`'s rules: new, empty, or a gallery of the same source (or any
            with --replace); the merge is made beside it and moved into place.
            """
    )

    @Argument(help: "The galleries to join (every part of one sharded build).") var parts: [String]
    @Option(help: "The gallery folder to write.") var out: String
    @Flag(help: "Build HNSW graphs whatever the size.") var hnsw = false
    @Option(help: "Build HNSW graphs for sets of at least this many items.") var hnswThreshold = 100_000
    @Flag(help: "Replace a gallery of another source in --out.") var replace = false

    func validate() throws {
        guard parts.count >= 2 else { throw ValidationError("give at least two galleries to merge") }
        let standardOut = URL(fileURLWithPath: out).standardizedFileURL.path
        guard !parts.contains(where: { URL(fileURLWithPath: $0).standardizedFileURL.path == standardOut }) else {
            throw ValidationError("--out is one of the parts; write the merged gallery to a new folder")
        }
    }

    func run() throws {
        let folders = parts.map { URL(fileURLWithPath: $0) }
        // Only the first part's manifest here: the merge opens every part itself.
        let first = try GalleryIndex.readManifest(in: folders[0])
        let model = folders[0].appendingPathComponent("model")
        guard FileManager.default.fileExists(atPath: model.appendingPathComponent("config.json").path) else {
            throw ValidationError("\(folders[0].path) has no model/ (the run that embeds queries); merge galleries made by `index build`")
        }
        let destination = URL(fileURLWithPath: out)
        _ = try IndexDestination.check(destination, for: IndexDestination.Source(first), replace: replace)
        let steps = StepProgress(.console)
        let written = try IndexDestination.buildBeside(destination) { building in
            defer { steps.finish() }
            let merged = try GalleryMerge.merge(folders, into: building, hnswThreshold: hnswThreshold, alwaysHNSW: hnsw, progress: steps.report)
            try FileManager.default.copyItem(at: model, to: building.appendingPathComponent("model"))
            return merged
        }
        for set in written.sets {
            print("\(set.set.rawValue): \(grouped(set.rows)) × \(first.dimension)" + (set.approximate ? ", HNSW graph" : ", exact search"))
        }
        print("index: \(out) (\(grouped(written.catalog.images.count)) images, \(grouped(written.catalog.captions.count)) captions from \(parts.count) parts)")
    }
}
