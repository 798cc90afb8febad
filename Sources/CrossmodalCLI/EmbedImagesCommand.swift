import ArgumentParser
import Dispatch
import Encoders
import Foundation
import Numerics
import TensorFiles

/// The image encoders `embed images` offers.
enum ImageEncoderName: String, ExpressibleByArgument, CaseIterable {
    case efficientnetLite0 = "efficientnet-lite0"
}

/// `crossmodal embed images`: EfficientNet-Lite0 features of a split's photos.
struct EmbedImagesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "images",
        abstract: "Embed a split's images (1280-d EfficientNet-Lite0 features).",
        discussion: "An unreadable or corrupt image is reported by file name and skipped (or stops the run under --strict)."
    )

    @OptionGroup var datasetOptions: DatasetOptions
    @OptionGroup var embedOptions: EmbedOptions

    @Option(help: "The image encoder.")
    var encoder: ImageEncoderName = .efficientnetLite0

    func run() throws {
        let images = try datasetOptions.load().images(in: embedOptions.split)
        let store = try embedOptions.modelStore()
        let weights = try store.require(store.efficientNetLite0, model: "EfficientNet-Lite0")

        var hasher = ContentHasher()
        hasher.combine("images/\(encoder.rawValue)/v1")
        hasher.combine(UInt64((try? FileManager.default.attributesOfItem(atPath: weights.path)[.size] as? Int) ?? 0))
        for image in images {
            hasher.combine(image.id)
            if let data = try? Data(contentsOf: image.file) {
                data.withUnsafeBytes { hasher.combine(bytes: $0) }
            } else {
                hasher.combine("<unreadable>")
            }
        }
        let key = "images-\(encoder.rawValue)-\(hasher.hexDigest)"
        let started = Date()
        if let cache = embedOptions.cache, let hit = cache.load(key), !datasetOptions.strict || hit.skipped.isEmpty {
            try EmbeddingFile.write(hit.vectors, ids: hit.ids, to: embedOptions.outURL)
            for line in hit.skipped { warn("skipped \(line)") }
            report(rows: hit.vectors.rows, columns: hit.vectors.columns, skipped: hit.skipped.count, started: started, cached: true)
            return
        }

        let model = try EfficientNetLite0(weightsFile: weights)
        let batchSize = embedOptions.batchSize ?? 16
        var values: [Float] = []
        values.reserveCapacity(images.count * EfficientNetLite0.featureDimension)
        var ids: [String] = []
        var skipped: [String] = []
        let progress = ProgressBar(total: images.count, unit: "images")
        for start in stride(from: 0, to: images.count, by: batchSize) {
            let batch = Array(images[start..<min(start + batchSize, images.count)])
            let decoded = Self.decodeConcurrently(batch.map(\.file))
            var good: [RGBImage] = []
            for (image, result) in zip(batch, decoded) {
                switch result {
                case .success(let pixels):
                    good.append(pixels)
                    ids.append(image.id)
                case .failure(let error):
                    if datasetOptions.strict {
                        progress.finish()
                        throw ValidationError("\(error.message) (--strict stops at the first unreadable image)")
                    }
                    warn("skipped \(error.message)")
                    skipped.append(error.message)
                }
            }
            values += model.features(good).values
            progress.advance(by: batch.count)
        }
        progress.finish()
        let vectors = try Matrix(rows: ids.count, columns: EfficientNetLite0.featureDimension, values: values)
        try EmbeddingFile.write(vectors, ids: ids, to: embedOptions.outURL)
        embedOptions.cache?.store(key, vectors: vectors, ids: ids, skipped: skipped)
        report(rows: vectors.rows, columns: vectors.columns, skipped: skipped.count, started: started, cached: false)
    }

    /// Reads and decodes files on all cores, keeping input order.
    static func decodeConcurrently(_ files: [URL]) -> [Result<RGBImage, EncoderError>] {
        let results = UnsafeMutableBufferPointer<Result<RGBImage, EncoderError>>.allocate(capacity: files.count)
        defer { results.deallocate() }
        nonisolated(unsafe) let slots = results
        DispatchQueue.concurrentPerform(iterations: files.count) { index in
            let result = Result { () throws(EncoderError) in try RGBImage.load(files[index]) }
            (slots.baseAddress! + index).initialize(to: result)
        }
        let collected = Array(results)
        _ = results.deinitialize()
        return collected
    }

    func report(rows: Int, columns: Int, skipped: Int, started: Date, cached: Bool) {
        let elapsed = Date().timeIntervalSince(started)
        let rate = elapsed > 0 ? Double(rows) / elapsed : 0
        var line = "wrote \(grouped(rows)) × \(columns) \(encoder.rawValue) image features to \(embedOptions.out) "
            + "(ids: \(EmbeddingFile.idsURL(for: embedOptions.outURL).lastPathComponent)) in \(formatDuration(elapsed))"
        line += cached ? " from the cache" : String(format: ", %.1f images/s", rate)
        if skipped > 0 { line += "; skipped \(skipped) unreadable image(s)" }
        print(line)
    }
}

/// Writes a line to standard error.
func warn(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
