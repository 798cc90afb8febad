import Datasets
import Encoders
import Foundation
import Numerics
import TextModels
import Training

/// Encoder features of one split with rows aligned: the images that decoded, and their captions.
public struct SplitFeatures: Sendable {
    /// The images with features, in row order (unreadable ones are skipped).
    public var images: [DatasetImage]
    /// One row per image.
    public var imageFeatures: Matrix
    /// The captions of those images, in row order.
    public var captions: [CaptionRecord]
    /// One row per caption: sentence features, or Doc2Vec token ids for a GRU text tower.
    public var textFeatures: Matrix
    /// The image row of each caption.
    public var captionImage: [Int]

    /// The features as the trainer takes them.
    public func featureSet(neighbors: [[Int]]? = nil) throws -> FeatureSet {
        try FeatureSet(imageFeatures: imageFeatures, textFeatures: textFeatures, captionImage: captionImage, neighbors: neighbors)
    }

    /// For each image row, its caption rows.
    public var captionsOfImages: [[Int]] {
        var captionsOf = [[Int]](repeating: [], count: images.count)
        for (caption, image) in captionImage.enumerated() { captionsOf[image].append(caption) }
        return captionsOf
    }

    /// Features of `split` through the cache (`imageStage`: pooled features or a fine-tuning run's maps); with `tokensFrom`, captions become token-id rows of that
    /// Doc2Vec model's vocabulary instead of `textEncoder` features.
    public static func extract(
        dataset: Dataset, split: String, imageEncoder: ImageEncoderName, textEncoder: TextEncoderName,
        tokensFrom doc2vec: Doc2VecModel?, tokens: TokenSettings = .standard, store: ModelStore, cache: EmbeddingCache?,
        strict: Bool, imageStage: ImageFeatureStage = .pooled, observer: PipelineObserver = .silent
    ) throws -> SplitFeatures {
        let images = try dataset.images(in: split)
        let captions = try dataset.captions(in: split)
        let imageFeatures = try FeatureExtraction.images(
            images, encoder: imageEncoder, store: store, cache: cache, strict: strict, stage: imageStage, observer: observer)
        let textFeatures: Matrix
        if let doc2vec {
            textFeatures = GRUInput.tokenMatrix(captions.map(\.text), model: doc2vec, settings: tokens)
        } else {
            textFeatures = try FeatureExtraction.texts(captions, encoder: textEncoder, store: store, cache: cache, observer: observer).vectors
        }
        // Captions of skipped (unreadable) images are dropped with them.
        var imageRow: [String: Int] = [:]
        for (row, id) in imageFeatures.ids.enumerated() { imageRow[id] = row }
        let byID = Dictionary(images.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let kept = captions.indices.compactMap { index in imageRow[captions[index].imageID].map { (index, $0) } }
        return SplitFeatures(
            images: imageFeatures.ids.compactMap { byID[$0] }, imageFeatures: imageFeatures.vectors,
            captions: kept.map { captions[$0.0] }, textFeatures: textFeatures.gatherRows(kept.map(\.0)),
            captionImage: kept.map(\.1))
    }
}
