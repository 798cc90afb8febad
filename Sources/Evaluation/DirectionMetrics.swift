/// Retrieval quality in one direction (image→text or text→image), from the ranks of each query's
/// relevant items.
///
/// A query is a hit at K when its first relevant item ranks in the top K. Recalls are percentages;
/// the mean average precisions are fractions in [0, 1].
public struct DirectionMetrics: Codable, Equatable, Sendable {
    /// Queries scored (queries without any relevant item are left out).
    public var queries: Int
    /// R@1, R@5 and R@10 in percent.
    public var recallAt1: Double
    /// R@5 in percent.
    public var recallAt5: Double
    /// R@10 in percent.
    public var recallAt10: Double
    /// Median 1-based rank of the first relevant item (the mean of the middle two for an even count).
    public var medianRank: Double
    /// Mean 1-based rank of the first relevant item.
    public var meanRank: Double
    /// The cut-off of ``mapAtK``.
    public var k: Int
    /// The second work's "mAP@k": the mean over queries of 1 / (rank of the first relevant item), counted
    /// as 0 beyond k. It is the mean reciprocal rank cut at k, not a mean average precision.
    public var mapAtK: Double
    /// mAP@R (Musgrave et al., 2020): with R relevant items for a query,
    /// (1/R) · Σ over relevant items at positions p ≤ R of (relevant items in the top p) / p.
    public var mapAtR: Double

    /// Metrics from each query's ascending 0-based relevant ranks.
    ///
    /// - Complexity: O(q log q + Σ r) for q queries with r relevant items each.
    public init(ranks: [[Int]], k: Int = 10) {
        let scored = ranks.filter { !$0.isEmpty }
        let count = scored.count
        let n = Double(max(count, 1))
        let first = scored.map { $0[0] }
        func recall(_ cutoff: Int) -> Double { 100 * Double(first.filter { $0 < cutoff }.count) / n }
        queries = count
        recallAt1 = recall(1)
        recallAt5 = recall(5)
        recallAt10 = recall(10)
        let sorted = first.sorted()
        if sorted.isEmpty {
            medianRank = 0
        } else if sorted.count % 2 == 1 {
            medianRank = Double(sorted[sorted.count / 2] + 1)
        } else {
            medianRank = Double(sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2] + 2) / 2
        }
        meanRank = count == 0 ? 0 : first.reduce(0.0) { $0 + Double($1 + 1) } / n
        self.k = k
        mapAtK = first.reduce(0.0) { $0 + ($1 < k ? 1 / Double($1 + 1) : 0) } / n
        mapAtR = scored.reduce(0.0) { total, ranks in
            let r = ranks.count
            var precisionSum = 0.0
            for (found, position) in ranks.enumerated() where position < r {
                precisionSum += Double(found + 1) / Double(position + 1)
            }
            return total + precisionSum / Double(r)
        } / n
    }

    /// R@1 + R@5 + R@10.
    public var recallSum: Double { recallAt1 + recallAt5 + recallAt10 }

    /// The field-wise mean of several evaluations (as the 5-fold 1K protocol reports), with their queries summed.
    public static func mean(_ parts: [DirectionMetrics]) -> DirectionMetrics {
        var result = DirectionMetrics(ranks: [], k: parts.first?.k ?? 10)
        guard !parts.isEmpty else { return result }
        let n = Double(parts.count)
        func average(_ value: (DirectionMetrics) -> Double) -> Double { parts.reduce(0.0) { $0 + value($1) } / n }
        result.queries = parts.reduce(0) { $0 + $1.queries }
        result.recallAt1 = average(\.recallAt1)
        result.recallAt5 = average(\.recallAt5)
        result.recallAt10 = average(\.recallAt10)
        result.medianRank = average(\.medianRank)
        result.meanRank = average(\.meanRank)
        result.mapAtK = average(\.mapAtK)
        result.mapAtR = average(\.mapAtR)
        return result
    }
}
