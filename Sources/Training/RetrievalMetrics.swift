import Evaluation
import Numerics

/// Recall at 1, 5 and 10 in both directions, and their sum: what the trainer logs each epoch.
///
/// The full set of metrics (mean ranks, "mAP@k", mAP@R, folds) is `Evaluation.RetrievalReport`,
/// which computes these too.
public struct RetrievalMetrics: Codable, Equatable, Sendable {
    /// Image→text R@1, R@5, R@10 in percent: an image is a hit when any of its captions ranks that high.
    public var imageToText: [Double]
    /// Text→image R@1, R@5, R@10 in percent.
    public var textToImage: [Double]
    /// Median rank (1-based) image→text and text→image.
    public var medianRank: [Double]

    /// The six recalls added up (at most 600).
    public var rsum: Double { imageToText.reduce(0, +) + textToImage.reduce(0, +) }

    /// The recalls and median ranks of a full report.
    public init(_ report: RetrievalReport) {
        let (a, b) = (report.imageToText, report.textToImage)
        imageToText = [a.recallAt1, a.recallAt5, a.recallAt10]
        textToImage = [b.recallAt1, b.recallAt5, b.recallAt10]
        medianRank = [a.medianRank, b.medianRank]
    }

    /// Exact ranks from `images × captions` similarities computed block by block (ties in gallery order).
    ///
    /// - Complexity: O(images · captions · d) in GEMM and O(images · captions) for ranking.
    public static func evaluate(
        images: Matrix, texts: Matrix, captionImage: [Int], metric: SimilarityMetric = .innerProduct
    ) throws -> RetrievalMetrics {
        RetrievalMetrics(try RetrievalReport.evaluate(images: images, texts: texts, captionImage: captionImage, metric: metric))
    }
}
