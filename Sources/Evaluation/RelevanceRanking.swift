import Dispatch
import Foundation
import Numerics

/// Exact ranks of the relevant gallery items of each query, computed block by block.
///
/// Scores are inner products (cosine similarity for L2-normalised rows). The rank of a relevant
/// item is its 0-based position when the gallery is sorted by descending score with ties kept in
/// gallery order, as a stable sort (`numpy.argsort(-s, kind="stable")`) does: the number of items
/// scoring higher plus the number scoring the same with a lower index. Other relevant items count
/// like any item, so a query's ranks are distinct.
public enum RelevanceRanking {
    /// Bytes of scores held at once unless told otherwise (64 MiB).
    public static let defaultMemoryBudget = 64 << 20

    /// The ascending 0-based ranks of `relevant[q]` in the ranking of `gallery` for each query row.
    ///
    /// Query rows are scored in blocks of `memoryBudget / (4 · gallery.rows)` rows (at least one) by one
    /// GEMM each; the counting runs on all cores.
    /// - Throws: `EvaluationError` when widths differ or a relevant index is outside the gallery.
    /// - Complexity: O(q · g · d) in GEMM plus O(q · g · r) comparisons for r relevant items a query;
    ///   O(memoryBudget + q · r) memory besides the inputs.
    public static func ranks(
        queries: Matrix, gallery: Matrix, relevant: [[Int]], memoryBudget: Int = defaultMemoryBudget
    ) throws(EvaluationError) -> [[Int]] {
        guard queries.columns == gallery.columns else {
            throw EvaluationError("queries have \(queries.columns) columns but the gallery has \(gallery.columns)")
        }
        guard relevant.count == queries.rows else {
            throw EvaluationError("\(relevant.count) relevance lists for \(queries.rows) queries")
        }
        let g = gallery.rows
        for (query, items) in relevant.enumerated() {
            if let bad = items.first(where: { $0 < 0 || $0 >= g }) {
                throw EvaluationError("query \(query): relevant item \(bad) is outside the gallery of \(g)")
            }
        }
        var result = [[Int]](repeating: [], count: queries.rows)
        guard g > 0, queries.rows > 0 else { return result }
        let blockRows = max(1, min(queries.rows, memoryBudget / max(1, g * MemoryLayout<Float>.size)))
        var scores = Matrix(rows: blockRows, columns: g)
        for start in stride(from: 0, to: queries.rows, by: blockRows) {
            let rows = min(blockRows, queries.rows - start)
            if rows != scores.rows { scores = Matrix(rows: rows, columns: g) }
            do {
                try Matrix.gemm(queries.gatherRows(start..<start + rows), gallery, transposeB: .transposed, into: &scores)
            } catch {
                throw EvaluationError(error.message)
            }
            let blockRanks = rank(scores: scores, relevant: relevant[start..<start + rows])
            for (offset, ranks) in blockRanks.enumerated() { result[start + offset] = ranks }
        }
        return result
    }

    /// Ranks within one block of score rows, rows spread over the cores.
    private static func rank(scores: Matrix, relevant: ArraySlice<[Int]>) -> [[Int]] {
        let g = scores.columns
        let rows = scores.rows
        let base = relevant.startIndex
        return scores.values.withUnsafeBufferPointer { all in
            nonisolated(unsafe) let all = all
            return Parallel.mapChunks(of: rows, chunks: 4 * Parallel.cores) { chunk in
                chunk.map { row in
                    let s = all.baseAddress! + row * g
                    var ranks: [Int] = []
                    for item in relevant[base + row] {
                        // Items before the relevant one rank ahead on ties; items after it only when higher.
                        let target = s[item]
                        ranks.append(count(s, 0..<item, target, orEqual: true) + count(s, (item + 1)..<g, target, orEqual: false))
                    }
                    return ranks.sorted()
                }
            }.flatMap { $0 }
        }
    }

    /// How many of `s[range]` are above `target` (or equal to it too, with `orEqual`), eight lanes at a time.
    @inline(__always)
    static func count(_ s: UnsafePointer<Float>, _ range: Range<Int>, _ target: Float, orEqual: Bool) -> Int {
        let threshold = SIMD8<Float>(repeating: target)
        var lanes = SIMD8<Int32>.zero
        var j = range.lowerBound
        while j + 8 <= range.upperBound {
            let values = UnsafeRawPointer(s + j).loadUnaligned(as: SIMD8<Float>.self)
            let hits = orEqual ? values .>= threshold : values .> threshold
            lanes &-= unsafeBitCast(hits, to: SIMD8<Int32>.self)  // a true lane is all ones, −1
            j += 8
        }
        var total = Int(lanes.wrappedSum())
        while j < range.upperBound {
            if s[j] > target || (orEqual && s[j] == target) { total += 1 }
            j += 1
        }
        return total
    }
}
