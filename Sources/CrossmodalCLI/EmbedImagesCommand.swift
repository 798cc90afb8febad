import ArgumentParser
import Foundation
import Pipeline
import TensorFiles

/// `crossmodal embed images`: EfficientNet-Lite features of a split's photos.
struct EmbedImagesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "images",
        abstract: "Embed a split's images (1280-d EfficientNet-Lite0 or Lite2 features).",
        discussion: "An unreadable or corrupt image is reported by file name and skipped (or stops the run under --strict)."
    )

    @OptionGroup var datasetOptions: DatasetOptions
    @OptionGroup var embedOptions: EmbedOptions

    @Option(help: "The image encoder.")
    var encoder: ImageEncoderName = .efficientnetLite0

    func run() throws {
        let images = try datasetOptions.load().images(in: embedOptions.split)
        let started = Date()
        let result = try FeatureExtraction.images(
            images, encoder: encoder, store: embedOptions.modelStore(), cache: embedOptions.cache,
            strict: datasetOptions.strict, batchSize: embedOptions.batchSize ?? 16, observer: .console)
        try EmbeddingFile.write(result.vectors, ids: result.ids, to: embedOptions.outURL)
        let elapsed = Date().timeIntervalSince(started)
        var line = "wrote \(grouped(result.vectors.rows)) × \(result.vectors.columns) \(encoder.rawValue) image features to \(embedOptions.out) "
            + "(ids: \(EmbeddingFile.idsURL(for: embedOptions.outURL).lastPathComponent)) in \(formatDuration(elapsed))"
        line += result.cached ? " from the cache" : String(format: ", %.1f images/s", Double(result.vectors.rows) / max(elapsed, 1e-9))
        if !result.skipped.isEmpty { line += "; skipped \(result.skipped.count) unreadable image(s)" }
        print(line)
    }
}
