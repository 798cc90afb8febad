import Numerics

/// Both directions of cross-modal retrieval over one split: images as queries against the captions,
/// and captions as queries against the images.
public struct RetrievalReport: Codable, Equatable, Sendable {
    /// Images in the split.
    public var images: Int
    /// Captions in the split.
    public var captions: Int
    /// Folds averaged over (1: the whole split at once).
    public var folds: Int
    /// How queries and items were compared.
    public var metric: SimilarityMetric = .innerProduct
    /// Images as queries; an image's relevant items are its captions.
    public var imageToText: DirectionMetrics
    /// Captions as queries; a caption's one relevant item is its image.
    public var textToImage: DirectionMetrics

    /// R@1 + R@5 + R@10 of both directions (at most 600).
    public var rsum: Double { imageToText.recallSum + textToImage.recallSum }

    private enum CodingKeys: String, CodingKey { case images, captions, folds, metric, imageToText, textToImage, rsum }

    /// Creates a report from its parts.
    public init(images: Int, captions: Int, folds: Int, imageToText: DirectionMetrics, textToImage: DirectionMetrics) {
        self.images = images
        self.captions = captions
        self.folds = folds
        self.imageToText = imageToText
        self.textToImage = textToImage
    }

    /// Decodes a report (the `rsum` key is derived and ignored).
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        images = try c.decode(Int.self, forKey: .images)
        captions = try c.decode(Int.self, forKey: .captions)
        folds = try c.decode(Int.self, forKey: .folds)
        metric = try c.decodeIfPresent(SimilarityMetric.self, forKey: .metric) ?? .innerProduct
        imageToText = try c.decode(DirectionMetrics.self, forKey: .imageToText)
        textToImage = try c.decode(DirectionMetrics.self, forKey: .textToImage)
    }

    /// Encodes the report with its `rsum`.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(images, forKey: .images)
        try c.encode(captions, forKey: .captions)
        try c.encode(folds, forKey: .folds)
        try c.encode(metric, forKey: .metric)
        try c.encode(imageToText, forKey: .imageToText)
        try c.encode(textToImage, forKey: .textToImage)
        try c.encode(rsum, forKey: .rsum)
    }

    /// Evaluates one joint space: `images` and `texts` are embeddings, `captionImage[c]` the image row of caption `c`.
    ///
    /// - Parameters:
    ///   - k: the cut-off of the "mAP@k" (reciprocal rank) metric.
    ///   - folds: split the images into this many consecutive, equal-as-possible parts (with their captions),
    ///     evaluate each on its own and average: `folds: 5` on COCO's 5,000 test images is the "1K" protocol.
    /// - Complexity: one pass of O(images · captions · d) GEMM in blocks for one space ranked by inner
    ///   product (``RelevanceRanking/jointRanks(images:texts:captionImage:memoryBudget:)``), two otherwise;
    ///   O(images · captions · r) comparisons; memory O(memoryBudget) beyond the embeddings.
    public static func evaluate(
        images: Matrix, texts: Matrix, captionImage: [Int], k: Int = 10, folds: Int = 1, metric: SimilarityMetric = .innerProduct,
        memoryBudget: Int = RelevanceRanking.defaultMemoryBudget
    ) throws(EvaluationError) -> RetrievalReport {
        try evaluate(
            imageToText: (images, texts), textToImage: (images, texts), captionImage: captionImage, k: k, folds: folds,
            metric: metric, memoryBudget: memoryBudget)
    }

    /// Evaluates image→text queries in one joint space and text→image queries in another (the same
    /// space twice for a joint run), each ranked by its space's metric.
    public static func evaluate(
        imageToText: JointSpace, textToImage: JointSpace, captionImage: [Int], k: Int = 10, folds: Int = 1,
        memoryBudget: Int = RelevanceRanking.defaultMemoryBudget
    ) throws(EvaluationError) -> RetrievalReport {
        guard imageToText.metric == textToImage.metric else {
            throw EvaluationError("the two directions' spaces rank differently (\(imageToText.metric.rawValue), \(textToImage.metric.rawValue))")
        }
        return try evaluate(
            imageToText: (imageToText.images, imageToText.texts), textToImage: (textToImage.images, textToImage.texts),
            captionImage: captionImage, k: k, folds: folds, metric: imageToText.metric, memoryBudget: memoryBudget)
    }

    /// Evaluates each direction in its own space, for runs that train separate image→text and
    /// text→image models (each pair is `(image embeddings, text embeddings)`).
    public static func evaluate(
        imageToText: (Matrix, Matrix), textToImage: (Matrix, Matrix), captionImage: [Int], k: Int = 10, folds: Int = 1,
        metric: SimilarityMetric = .innerProduct, memoryBudget: Int = RelevanceRanking.defaultMemoryBudget
    ) throws(EvaluationError) -> RetrievalReport {
        let n = imageToText.0.rows
        let m = imageToText.1.rows
        guard textToImage.0.rows == n, textToImage.1.rows == m else {
            throw EvaluationError("the two directions' embeddings cover different items")
        }
        guard captionImage.count == m else {
            throw EvaluationError("\(captionImage.count) caption→image entries for \(m) caption embeddings")
        }
        if let bad = captionImage.first(where: { $0 < 0 || $0 >= n }) {
            throw EvaluationError("a caption points at image \(bad), outside the \(n) images")
        }
        guard folds >= 1, folds <= max(n, 1) else {
            throw EvaluationError("folds must be between 1 and the number of images (\(n)), not \(folds)")
        }
        var i2t: [DirectionMetrics] = []
        var t2i: [DirectionMetrics] = []
        // One space ranked by inner product: both directions come from one GEMM of its scores.
        let oneSpace = metric == .innerProduct && imageToText.0.rows == textToImage.0.rows
            && imageToText.0.values == textToImage.0.values && imageToText.1.values == textToImage.1.values
        for fold in 0..<folds {
            let imageRange = (fold * n / folds)..<((fold + 1) * n / folds)
            let captionRows = captionImage.indices.filter { imageRange.contains(captionImage[$0]) }
            let foldImage = captionRows.map { captionImage[$0] - imageRange.lowerBound }
            var captionsOf = [[Int]](repeating: [], count: imageRange.count)
            for (row, image) in foldImage.enumerated() { captionsOf[image].append(row) }
            let whole = folds == 1
            func images(_ matrix: Matrix) -> Matrix { whole ? matrix : matrix.gatherRows(imageRange) }
            func texts(_ matrix: Matrix) -> Matrix { whole ? matrix : matrix.gatherRows(captionRows) }
            if oneSpace {
                let ranks = try RelevanceRanking.jointRanks(
                    images: images(imageToText.0), texts: texts(imageToText.1), captionImage: foldImage, memoryBudget: memoryBudget)
                i2t.append(DirectionMetrics(ranks: ranks.imageRanks, k: k))
                t2i.append(DirectionMetrics(ranks: ranks.textRanks, k: k))
                continue
            }
            let imageQueries = metric.prepared(queries: images(imageToText.0), gallery: texts(imageToText.1))
            let textQueries = metric.prepared(queries: texts(textToImage.1), gallery: images(textToImage.0))
            let imageRanks = try RelevanceRanking.ranks(
                queries: imageQueries.queries, gallery: imageQueries.gallery, relevant: captionsOf, memoryBudget: memoryBudget)
            let textRanks = try RelevanceRanking.ranks(
                queries: textQueries.queries, gallery: textQueries.gallery, relevant: foldImage.map { [$0] }, memoryBudget: memoryBudget)
            i2t.append(DirectionMetrics(ranks: imageRanks, k: k))
            t2i.append(DirectionMetrics(ranks: textRanks, k: k))
        }
        var report = RetrievalReport(
            images: n, captions: m, folds: folds, imageToText: DirectionMetrics.mean(i2t), textToImage: DirectionMetrics.mean(t2i))
        report.metric = metric
        return report
    }
}
