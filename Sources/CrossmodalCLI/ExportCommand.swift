import ArgumentParser
import Foundation
import Pipeline

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

    @OptionGroup var source: RunSplitOptions

    @Option(help: "The output folder.") var out: String

    func run() throws {
        let manifest = try SplitExport.write(source.embed(), run: source.runFolder, to: URL(fileURLWithPath: out))
        print("exported \(grouped(manifest.images)) images and \(grouped(manifest.captions)) captions (\(manifest.dimension)-d"
            + (manifest.spaces.count > 1 ? ", one space per direction" : "") + ") to \(out)")
    }
}
