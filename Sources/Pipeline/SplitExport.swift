import Foundation
import TensorFiles

/// A split's joint-space embeddings written for other tools: `images.npy` + `images.ids.txt`,
/// `texts.npy` + `texts.ids.txt` (caption ids `<image>#<n>`), one pair per space, and `manifest.json`.
public enum SplitExport {
    /// What `manifest.json` records.
    public struct Manifest: Codable, Sendable {
        /// The run folder.
        public var run: String
        /// The split.
        public var split: String
        /// Image rows.
        public var images: Int
        /// Caption rows.
        public var captions: Int
        /// The embedding width.
        public var dimension: Int
        /// Subfolders holding one space each ("." for a single joint space).
        public var spaces: [String]
    }

    /// Writes `embedded` into `folder` (subfolders `image-to-text` and `text-to-image` for a run with
    /// separate directions) and returns the manifest.
    @discardableResult
    public static func write(_ embedded: EmbeddedSplit, run: String, to folder: URL) throws -> Manifest {
        let imageIDs = embedded.features.images.map(\.id)
        let captionIDs = embedded.features.captions.map(\.id)
        for (name, space) in embedded.spaces {
            let target = name == "." ? folder : folder.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true)
            try EmbeddingFile.write(space.images, ids: imageIDs, to: target.appendingPathComponent("images.npy"))
            try EmbeddingFile.write(space.texts, ids: captionIDs, to: target.appendingPathComponent("texts.npy"))
        }
        let manifest = Manifest(
            run: run, split: embedded.split, images: imageIDs.count, captions: captionIDs.count,
            dimension: embedded.imageToText.dimension, spaces: embedded.spaces.map(\.name))
        try prettyJSON(manifest).write(to: folder.appendingPathComponent("manifest.json"), options: .atomic)
        return manifest
    }
}
