import Foundation
import Numerics
import Search
import SafeFiles

/// An index folder made from a trained run and an embedded split: the run's model copied into
/// `model/`, then the catalogue, the vectors and the manifest through ``GalleryIndexWriter``.
public enum GalleryBuild {
    /// Writes the index of `embedded` into `folder` and returns what was written for each set; `shard` (`I/N`)
    /// records that `embedded` holds only that part of its split.
    public static func write(
        _ embedded: EmbeddedSplit, dataset: URL, run: String, to folder: URL, backend: GalleryIndexWriter.Backend, shard: String? = nil,
        observer: PipelineObserver = .silent
    ) throws -> (catalog: GalleryCatalog, sets: [GalleryIndexWriter.WrittenSet]) {
        let features = embedded.features
        let captionsOf = features.captionsOfImages
        let catalog = try GalleryCatalog(
            images: features.images.enumerated().map { row, image in
                GalleryImage(id: image.id, path: image.member.map { ArchiveMemberPath(file: image.file.standardizedFileURL.path, offset: $0.offset, size: $0.size, name: $0.name).description } ?? image.file.standardizedFileURL.path, captionIDs: captionsOf[row].map { features.captions[$0].id })
            },
            captions: features.captions.map { GalleryCaption(id: $0.id, imageID: $0.imageID, text: $0.text) })
        var sets: [(VectorSet, Matrix)] = [(.images, embedded.imageToText.images), (.captions, embedded.imageToText.texts)]
        if embedded.run.separateDirections { sets.append((.imagesForTextQueries, embedded.textToImage.images)) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try embedded.run.copyModel(to: folder.appendingPathComponent("model"))
        let steps = StepProgress(observer)
        defer { steps.finish() }
        let written = try GalleryIndexWriter(folder: folder, backend: backend).write(
            catalog: catalog, sets: sets, metric: embedded.imageToText.metric,
            source: (dataset.standardizedFileURL.path, embedded.split, URL(fileURLWithPath: run).standardizedFileURL.path), shard: shard,
            graphProgress: { steps.report("\($0.rawValue): building its HNSW graph", $1, $2) })
        return (catalog, written)
    }
}

