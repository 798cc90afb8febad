import Foundation
import Numerics
import SafeFiles

/// The first rows of a vector file (`<set>.f32`: little-endian float32, rows × dimension), memory-mapped and
/// searched in place: a gallery searched exactly costs no copy of its vectors on opening, only the pages its
/// searches touch.
final class MappedVectors: @unchecked Sendable {
    /// Rows mapped.
    let rows: Int
    /// Floats per row.
    let dimension: Int
    private let file: MappedFile

    /// Rows scored per BLAS call: 65,536 × 256 floats is 64 MB of rows and 256 KB of scores per search.
    static let chunkRows = 65_536

    /// Maps `rows` rows of `url`, which must hold at least that many.
    init(_ url: URL, rows: Int, dimension: Int) throws(SearchError) {
        do {
            let opened = try OpenedFile(url, maxBytes: .max)
            file = try MappedFile(opened, length: rows * dimension * MemoryLayout<Float>.size)
        } catch {
            throw SearchError(error.message)
        }
        self.rows = rows
        self.dimension = dimension
    }

    private var values: UnsafeBufferPointer<Float> { file.bytes.assumingMemoryBound(to: Float.self) }

    /// One row's values.
    func row(_ index: Int) -> [Float] { Array(values[(index * dimension)..<((index + 1) * dimension)]) }

    /// Rows `range` as a matrix (copied).
    func rows(_ range: Range<Int>) throws(SearchError) -> Matrix {
        guard range.lowerBound >= 0, range.upperBound <= rows else { throw SearchError("rows \(range) of a set of \(rows)") }
        do {
            return try Matrix(rows: range.count, columns: dimension, values: Array(values[(range.lowerBound * dimension)..<(range.upperBound * dimension)]))
        } catch {
            throw SearchError(error.message)
        }
    }

    /// The `k` rows of largest inner product with `query` among those `isVisible` accepts, best first (ties to the
    /// lower row; NaN last), exactly as one product over all rows would rank them: each chunk of rows is scored by
    /// one BLAS product, its best `k` kept, and the kept ones ranked again at the end.
    ///
    /// - Complexity: O(rows · dimension) time, O(chunk + k · rows / chunk) memory.
    func search(_ query: [Float], k: Int, isVisible: (Int) -> Bool) -> [ScoredIndex] {
        guard k > 0, rows > 0, let base = values.baseAddress else { return [] }
        var candidates: [ScoredIndex] = []
        var scores = [Float](repeating: 0, count: min(rows, Self.chunkRows))
        for start in stride(from: 0, to: rows, by: Self.chunkRows) {
            let count = min(Self.chunkRows, rows - start)
            query.withUnsafeBufferPointer { q in
                scores.withUnsafeMutableBufferPointer { s in
                    BLAS.sgemm(
                        transposeA: false, transposeB: true, m: 1, n: count, k: dimension,
                        a: q.baseAddress!, lda: dimension, b: base + start * dimension, ldb: dimension, c: s.baseAddress!, ldc: count)
                }
            }
            let best = withoutActuallyEscaping(isVisible) { visible in
                scores.withUnsafeBufferPointer { s in
                    selectTopK(UnsafeBufferPointer(rebasing: s[0..<count]), k: k) { index, _ in !visible(start + index) }
                }
            }
            // Appended chunk by chunk, each best first: among equal scores a lower row comes earlier, so the final
            // selection's own tie rule (the earlier position) is still the lower row.
            candidates.append(contentsOf: best.map { ScoredIndex(index: start + $0.index, value: $0.value) })
        }
        return selectTopK(candidates.map(\.value), k: k).map { candidates[$0.index] }
    }
}
