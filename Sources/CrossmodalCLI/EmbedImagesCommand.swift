import ArgumentParser
import Foundation
import Pipeline
import Datasets
import Encoders
import Search
import TensorFiles

/// `crossmodal embed images`: EfficientNet-Lite features of a split's photos.
struct EmbedImagesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "images",
        abstract: "Embed a split's images (1280-d EfficientNet-Lite0 or Lite2 features).",
        discussion: """
            An unreadable or corrupt image is reported by file name and skipped (or stops the run under --strict).
            With --shard I/N only the images whose id hashes to part I are embedded, so N independent workers cover the split once.
            With --into postgres://… the split is cut into numbered batches of --batch-size images and every worker started
            the same way claims unfinished batches from a work table (SELECT … FOR UPDATE SKIP LOCKED), embeds them and commits
            the vectors with the claim: a killed worker's batch is taken up by another and no image is stored twice
            (--shard then only says which batches a worker tries first). Vectors go to --table (id, batch, embedding).
            """
    )

    @OptionGroup var datasetOptions: DatasetOptions
    @OptionGroup var embedOptions: EmbedOptions

    @Option(help: "The image encoder.")
    var encoder: ImageEncoderName = .efficientnetLite0

    func run() throws {
        let shard = try embedOptions.shardSelection()
        if let url = embedOptions.into { return try shareThrough(url, shard: shard) }
        let images = try datasetOptions.load().images(in: embedOptions.split).filter { shard.contains($0.id) }
        guard !images.isEmpty else { throw ValidationError("shard \(shard) of split \(embedOptions.split) holds no images") }
        let started = Date()
        let result = try FeatureExtraction.images(
            images, encoder: encoder, store: embedOptions.modelStore(), cache: embedOptions.cache,
            strict: datasetOptions.strict, batchSize: embedOptions.batchSize ?? 16, observer: .console)
        try EmbeddingFile.write(result.vectors, ids: result.ids, to: embedOptions.outURL)
        let elapsed = Date().timeIntervalSince(started)
        var line = "wrote \(grouped(result.vectors.rows)) × \(result.vectors.columns) \(encoder.rawValue) image features to \(embedOptions.outURL.path) "
            + "(ids: \(EmbeddingFile.idsURL(for: embedOptions.outURL).lastPathComponent)) in \(formatDuration(elapsed))"
        line += result.cached ? " from the cache" : String(format: ", %.1f images/s", Double(result.vectors.rows) / max(elapsed, 1e-9))
        if !result.skipped.isEmpty { line += "; skipped \(result.skipped.count) unreadable image(s)" }
        print(line)
    }

    /// Claims batches from the work table at `url` until none is left.
    private func shareThrough(_ url: String, shard: ShardSelection) throws {
        let dataset = try datasetOptions.load()
        let images = try dataset.images(in: embedOptions.split)
        let batchSize = embedOptions.batchSize ?? 64
        let batches = (images.count + batchSize - 1) / batchSize
        let queue = try PostgresWorkQueue(
            url: url, table: embedOptions.table, dimension: EfficientNetLite.featureDimension, batches: batches,
            description: [
                "dataset": dataset.source.standardizedFileURL.path, "split": embedOptions.split, "encoder": encoder.rawValue,
                "batch size": String(batchSize), "items": String(images.count),
            ])
        let environment = ProcessInfo.processInfo.environment
        let worker = [ProcessInfo.processInfo.hostName, String(ProcessInfo.processInfo.processIdentifier), environment["SLURM_ARRAY_TASK_ID"].map { "task \($0)" }]
            .compactMap { $0 }.joined(separator: " ")
        let store = try embedOptions.modelStore()
        // Loaded once for every batch this worker claims.
        let network = try store.loadEfficientNet(encoder.variant)
        // Time spent on claimed batches, not waiting for held ones.
        var busy = 0.0
        var mine = 0, embedded = 0, skipped = 0
        while let batch = try queue.claim(part: shard.index, of: shard.count, wait: embedOptions.waitForHeld) {
            let started = Date()
            defer { busy += Date().timeIntervalSince(started) }
            warn("claimed batch \(batch) of \(batches)")
            let slice = Array(images[(batch * batchSize)..<min(images.count, (batch + 1) * batchSize)])
            let result: ExtractedFeatures
            do {
                result = try FeatureExtraction.images(
                    slice, encoder: encoder, store: store, cache: nil, strict: datasetOptions.strict, network: network, observer: .silent)
            } catch {
                try? queue.release()
                throw error
            }
            if embedOptions.claimPause > 0 { Thread.sleep(forTimeInterval: embedOptions.claimPause) }
            try queue.complete(ids: result.ids, vectors: result.vectors, worker: worker)
            for line in result.skipped { warn("skipped \(line)") }
            mine += 1
            embedded += result.ids.count
            skipped += result.skipped.count
        }
        let progress = try queue.progress()
        print("this worker: \(grouped(mine)) batches, \(grouped(embedded)) images into \(embedOptions.table)"
            + (skipped > 0 ? " (\(skipped) unreadable skipped)" : "")
            + String(format: " in %@, %.1f images/s; ", formatDuration(busy), Double(embedded) / max(busy, 1e-9))
            + "all workers: \(grouped(progress.done)) of \(grouped(progress.total)) batches done")
        if progress.done < progress.total {
            let left = grouped(progress.total - progress.done)
            print(embedOptions.waitForHeld > 0
                ? "\(left) batches are still held by other workers, none finished in the last \(formatDuration(embedOptions.waitForHeld)): "
                    + "if their workers are gone, start another the same way to finish them"
                : "\(left) batches are held by other workers or were left by killed ones: start another worker the same way to finish them")
        }
    }
}
