import Datasets
import Encoders
import Foundation
import Numerics
import TextModels
import Training

/// Encoder features of one split with rows aligned: the images that decoded, and their captions.
struct SplitFeatures {
    /// The images with features, in row order (unreadable ones are skipped).
    var images: [DatasetImage]
    /// One row per image.
    var imageFeatures: Matrix
    /// The captions of those images, in row order.
    var captions: [CaptionRecord]
    /// One row per caption: sentence features, or Doc2Vec token ids for a GRU text tower.
    var textFeatures: Matrix
    /// The image row of each caption.
    var captionImage: [Int]

    /// The features as the trainer takes them.
    func featureSet(neighbors: [[Int]]? = nil) throws -> FeatureSet {
        try FeatureSet(imageFeatures: imageFeatures, textFeatures: textFeatures, captionImage: captionImage, neighbors: neighbors)
    }

    /// Features of `split` through the cache; with `tokensFrom`, captions become token-id rows of that
    /// Doc2Vec model's vocabulary instead of `textEncoder` features.
    static func extract(
        dataset: Dataset, split: String, imageEncoder: ImageEncoderName, textEncoder: TextEncoderName,
        tokensFrom doc2vec: Doc2VecModel?, store: ModelStore, cache: EmbeddingCache?, strict: Bool
    ) throws -> SplitFeatures {
        let images = try dataset.images(in: split)
        let captions = try dataset.captions(in: split)
        let imageFeatures = try FeatureExtraction.images(images, encoder: imageEncoder, store: store, cache: cache, strict: strict)
        let textFeatures: Matrix
        if let doc2vec {
            textFeatures = tokenMatrix(captions.map(\.text), model: doc2vec)
        } else {
            textFeatures = try FeatureExtraction.texts(captions, encoder: textEncoder, store: store, cache: cache).vectors
        }
        // Captions of skipped (unreadable) images are dropped with them.
        var imageRow: [String: Int] = [:]
        for (row, id) in imageFeatures.ids.enumerated() { imageRow[id] = row }
        let byID = Dictionary(images.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let keep = captions.indices.filter { imageRow[captions[$0].imageID] != nil }
        return SplitFeatures(
            images: imageFeatures.ids.compactMap { byID[$0] }, imageFeatures: imageFeatures.vectors,
            captions: keep.map { captions[$0] }, textFeatures: textFeatures.gatherRows(keep),
            captionImage: keep.map { imageRow[captions[$0].imageID]! })
    }

    /// Captions as rows of Doc2Vec vocabulary ids (as Float), at most `length` tokens, padded with −1.
    /// Tokens kept per caption for a GRU text tower.
    static let tokenLength = 32

    static func tokenMatrix(_ texts: [String], model: Doc2VecModel, length: Int = tokenLength) -> Matrix {
        var index: [String: Int] = [:]
        for (i, word) in model.vocabulary.enumerated() { index[word] = i }
        var matrix = Matrix(rows: texts.count, columns: length, repeating: -1)
        for (row, text) in texts.enumerated() {
            let ids = model.configuration.preprocessing.tokens(text).compactMap { index[$0] }.prefix(length)
            for (column, id) in ids.enumerated() { matrix[row, column] = Float(id) }
        }
        return matrix
    }
}
