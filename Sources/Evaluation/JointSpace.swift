import Numerics

/// Images and texts embedded into one space, with the metric that ranks in it.
///
/// Everything that ranks (metrics, a report's example queries, an index) goes through this type, so a
/// space trained for Euclidean distance is never ranked by inner product by accident.
public struct JointSpace: Sendable {
    /// One row per image.
    public var images: Matrix
    /// One row per text.
    public var texts: Matrix
    /// How rows are compared.
    public var metric: SimilarityMetric

    /// Creates a space from its embeddings.
    public init(images: Matrix, texts: Matrix, metric: SimilarityMetric = .innerProduct) {
        self.images = images
        self.texts = texts
        self.metric = metric
    }

    /// The embedding width.
    public var dimension: Int { images.columns }

    /// The `k` best images for each of the text rows `queries`, best first, with their scores
    /// (inner products, or ⟨q, g⟩ − ‖g‖²/2 under squared Euclidean distance).
    /// - Complexity: O(q · images · d).
    public func nearestImages(toTexts queries: [Int], k: Int) throws(EvaluationError) -> [[ScoredIndex]] {
        try Self.nearest(texts.gatherRows(queries), in: images, k: k, metric: metric)
    }

    /// The `k` best texts for each of the image rows `queries`, best first, with their scores.
    /// - Complexity: O(q · texts · d).
    public func nearestTexts(toImages queries: [Int], k: Int) throws(EvaluationError) -> [[ScoredIndex]] {
        try Self.nearest(images.gatherRows(queries), in: texts, k: k, metric: metric)
    }

    /// The exact 0-based ranks of each text query's relevant images (`relevant[i]` for text row `queries[i]`).
    public func imageRanks(forTexts queries: [Int], relevant: [[Int]]) throws(EvaluationError) -> [[Int]] {
        let prepared = metric.prepared(queries: texts.gatherRows(queries), gallery: images)
        return try RelevanceRanking.ranks(queries: prepared.queries, gallery: prepared.gallery, relevant: relevant)
    }

    /// The exact 0-based ranks of each image query's relevant texts.
    public func textRanks(forImages queries: [Int], relevant: [[Int]]) throws(EvaluationError) -> [[Int]] {
        let prepared = metric.prepared(queries: images.gatherRows(queries), gallery: texts)
        return try RelevanceRanking.ranks(queries: prepared.queries, gallery: prepared.gallery, relevant: relevant)
    }

    /// The images as an inner-product index stores them (``SimilarityMetric/preparedGallery(_:)``).
    public var indexedImages: Matrix { metric.preparedGallery(images) }
    /// The texts as an inner-product index stores them.
    public var indexedTexts: Matrix { metric.preparedGallery(texts) }

    static func nearest(_ queries: Matrix, in gallery: Matrix, k: Int, metric: SimilarityMetric) throws(EvaluationError) -> [[ScoredIndex]] {
        let prepared = metric.prepared(queries: queries, gallery: gallery)
        do {
            return try Matrix.product(prepared.queries, prepared.gallery, transposeB: .transposed).topKPerRow(k: min(k, gallery.rows))
        } catch {
            throw EvaluationError("\(error)")
        }
    }
}
