import Numerics

/// Recall at 1, 5 and 10 in both directions, and their sum.
public struct RetrievalMetrics: Codable, Equatable, Sendable {
    /// Image→text R@1, R@5, R@10 in percent: an image is a hit when any of its captions ranks that high.
    public var imageToText: [Double]
    /// Text→image R@1, R@5, R@10 in percent.
    public var textToImage: [Double]
    /// Median rank (1-based) image→text and text→image.
    public var medianRank: [Double]

    /// The six recalls added up (at most 600).
    public var rsum: Double { imageToText.reduce(0, +) + textToImage.reduce(0, +) }

    /// Exact ranks from `images × captions` similarities computed block by block.
    ///
    /// Ties are broken by index: a competitor with an equal score and a lower index ranks ahead.
    /// - Complexity: O(images · captions · d) in GEMM and O(images · captions) for ranking.
    public static func evaluate(images: Matrix, texts: Matrix, captionImage: [Int]) throws -> RetrievalMetrics {
        let n = images.rows
        var bestImageRank = [Int](repeating: Int.max, count: n)
        var textRank = [Int](repeating: 0, count: texts.rows)
        let scores = try Matrix.product(images, texts, transposeB: .transposed)  // n × m
        let m = texts.rows
        var captionsOf = [[Int]](repeating: [], count: n)
        for (caption, image) in captionImage.enumerated() { captionsOf[image].append(caption) }
        for i in 0..<n {
            let row = i * m
            for caption in captionsOf[i] {
                let target = scores.values[row + caption]
                var rank = 0
                for j in 0..<m where scores.values[row + j] > target || (j != caption && scores.values[row + j] == target && j < caption) {
                    rank += 1
                }
                bestImageRank[i] = min(bestImageRank[i], rank)
            }
        }
        for caption in 0..<m {
            let image = captionImage[caption]
            let target = scores.values[image * m + caption]
            var rank = 0
            for i in 0..<n where scores.values[i * m + caption] > target || (i != image && scores.values[i * m + caption] == target && i < image) {
                rank += 1
            }
            textRank[caption] = rank
        }
        func recalls(_ ranks: [Int]) -> [Double] {
            [1, 5, 10].map { k in 100 * Double(ranks.filter { $0 < k }.count) / Double(max(ranks.count, 1)) }
        }
        func median(_ ranks: [Int]) -> Double {
            let sorted = ranks.sorted()
            guard !sorted.isEmpty else { return 0 }
            let middle = sorted.count / 2
            return sorted.count % 2 == 1 ? Double(sorted[middle] + 1) : Double(sorted[middle - 1] + sorted[middle] + 2) / 2
        }
        return RetrievalMetrics(
            imageToText: recalls(bestImageRank), textToImage: recalls(textRank),
            medianRank: [median(bestImageRank), median(textRank)])
    }
}
