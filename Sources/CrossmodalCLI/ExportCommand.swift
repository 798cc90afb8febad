import ArgumentParser
import Foundation
import TensorFiles

/// `crossmodal export`: joint-space embeddings of a split, for analysis in other tools.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a split's joint-space image and text embeddings as .npy with ids.",
        discussion: """
            DIR gets images.npy + images.ids.txt (image ids) and texts.npy + texts.ids.txt (caption ids, <image>#<n>),
            float32 rows in the order of the ids, and manifest.json. A run with separate image→text and
            text→image models gets one such pair of files in DIR/image-to-text and DIR/text-to-image.
            """
    )

    @Argument(help: "A run folder written by `crossmodal train`.")
    var runFolder: String

    @OptionGroup var datasetOptions: DatasetOptions

    @Option(help: "The split to export.") var split = "dev"
    @Option(help: "The output folder.") var out: String
    @Option(help: "The folder of pretrained weights.") var models: String?
    @Option(help: "The embedding cache folder (default: ~/.cache/crossmodal/embeddings).") var cacheDir: String?

    /// What `manifest.json` records.
    struct Manifest: Codable {
        var run: String
        var split: String
        var images: Int
        var captions: Int
        var dimension: Int
        /// Subfolders holding one space each ("." for a single joint space).
        var spaces: [String]
    }

    func run() throws {
        let trained = try TrainedRun.open(runFolder)
        let embedded = try EmbeddedSplit.compute(
            run: trained, dataset: try datasetOptions.load(), split: split, models: models, cacheDir: cacheDir,
            strict: datasetOptions.strict)
        let folder = URL(fileURLWithPath: out)
        let imageIDs = embedded.features.images.map(\.id)
        let captionIDs = embedded.features.captions.map(\.id)
        let spaces = trained.separateDirections
            ? [("image-to-text", embedded.imageToText), ("text-to-image", embedded.textToImage)] : [(".", embedded.imageToText)]
        for (name, (images, texts)) in spaces {
            let target = name == "." ? folder : folder.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
            try EmbeddingFile.write(images, ids: imageIDs, to: target.appendingPathComponent("images.npy"))
            try EmbeddingFile.write(texts, ids: captionIDs, to: target.appendingPathComponent("texts.npy"))
        }
        let manifest = Manifest(
            run: runFolder, split: split, images: imageIDs.count, captions: captionIDs.count,
            dimension: embedded.imageToText.0.columns, spaces: spaces.map(\.0))
        try prettyJSON(manifest).write(to: folder.appendingPathComponent("manifest.json"), options: .atomic)
        print("exported \(grouped(imageIDs.count)) images and \(grouped(captionIDs.count)) captions (\(manifest.dimension)-d"
            + (spaces.count > 1 ? ", one space per direction" : "") + ") to \(out)")
    }
}
