import CKernels
import Dispatch
import Foundation
import Numerics

/// Exact k-nearest-neighbour search of a set against itself, by blocked GEMM and per-row selection.
///
/// Rows are taken `blockSize` at a time; each block's similarities to every item come from one
/// GEMM into a `blockSize × n` buffer, from which each row keeps its best `k` by partial selection.
/// The items are packed once for those GEMMs (a BLAS call would copy all of them again for every block).
/// Memory is the vectors twice plus one such buffer per worker, never the whole `n × n` matrix.
/// Each item itself and its exact duplicates (distance 0, up to rounding) are left out.
public enum ExactNeighbors {
    /// Relative tolerance under which two items count as exact duplicates.
    public static let duplicateTolerance: Float = 1e-6

    /// The `k` nearest other items of every row of `vectors`.
    ///
    /// - Parameters:
    ///   - workers: concurrent block streams.
    ///   - progress: called with the number of rows done.
    /// - Complexity: O(n² · d) time in GEMM plus O(n² log k) for selection; O(workers · blockSize · n) memory.
    public static func search(
        _ vectors: Matrix, k: Int, metric: NeighborMetric, blockSize: Int = 256,
        workers: Int = ProcessInfo.processInfo.activeProcessorCount,
        progress: (@Sendable (Int) -> Void)? = nil
    ) throws(NeighborError) -> NeighborTable {
        let n = vectors.rows
        let d = vectors.columns
        let (items, k) = try NeighborError.searchInput(vectors, k: k, metric: metric)
        // Squared norms for L2: ‖q − x‖² = ‖q‖² + ‖x‖² − 2⟨q, x⟩.
        let squaredNorms: [Float] = (0..<n).map { i in
            items.values.withUnsafeBufferPointer { VectorOps.dot($0.baseAddress! + i * d, $0.baseAddress! + i * d, count: d) }
        }
        var indices = [Int32](repeating: -1, count: n * k)
        var distances = [Float](repeating: .infinity, count: n * k)
        let blocks = (n + blockSize - 1) / blockSize
        let streams = max(1, min(workers, blocks))
        let rowsDone = Counter()
        let packed = PackedMatrix(items, transposed: true)  // Xᵀ, d × n

        items.values.withUnsafeBufferPointer { itemBuffer in
            squaredNorms.withUnsafeBufferPointer { normBuffer in
                indices.withUnsafeMutableBufferPointer { indexBuffer in
                    distances.withUnsafeMutableBufferPointer { distanceBuffer in
                        nonisolated(unsafe) let x = itemBuffer.baseAddress!
                        nonisolated(unsafe) let norms = normBuffer.baseAddress!
                        nonisolated(unsafe) let outIndices = indexBuffer.baseAddress!
                        nonisolated(unsafe) let outDistances = distanceBuffer.baseAddress!
                        DispatchQueue.concurrentPerform(iterations: streams) { stream in
                            let scores = UnsafeMutablePointer<Float>.allocate(capacity: blockSize * n)
                            defer { scores.deallocate() }
                            var selector = NearestSelector(k: k)
                            for block in stride(from: stream, to: blocks, by: streams) {
                                let first = block * blockSize
                                let rows = min(blockSize, n - first)
                                packed.multiply(rows: rows, x + first * d, lda: d, into: scores, ldc: n)
                                for r in 0..<rows {
                                    let query = first + r
                                    let row = scores + r * n
                                    selector.reset()
                                    if metric == .cosine {
                                        let limit = 1 - duplicateTolerance
                                        selector.select(from: row, count: n) { j, s in j != query && s < limit }
                                    } else {
                                        // Maximise 2⟨q, x⟩ − ‖x‖², which orders by −‖q − x‖².
                                        let q = norms[query]
                                        for j in 0..<n { row[j] = 2 * row[j] - norms[j] }
                                        selector.select(from: row, count: n) { j, s in
                                            j != query && !(q - s <= duplicateTolerance * (q + norms[j]))
                                        }
                                    }
                                    let found = selector.sortedBestFirst()
                                    for (slot, entry) in found.enumerated() {
                                        outIndices[query * k + slot] = entry.index
                                        outDistances[query * k + slot] = metric == .cosine
                                            ? max(0, 1 - entry.score) : max(0, norms[query] - entry.score).squareRoot()
                                    }
                                }
                                progress?(rowsDone.add(rows))
                            }
                        }
                    }
                }
            }
        }
        return try NeighborTable(k: k, metric: metric, indices: indices, distances: distances)
    }
}

/// A thread-safe running total.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    /// Adds `amount` and returns the new total.
    func add(_ amount: Int) -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += amount
        return value
    }
}

/// Keeps the `k` highest scores seen in a min-heap; `threshold` is the score to beat.
///
/// Candidates are offered in increasing index order and a tie does not beat the threshold, so among
/// equal scores the lower index wins.
struct NearestSelector {
    let k: Int
    private var scores: [Float]
    private var indices: [Int32]
    private var size = 0
    /// The lowest kept score once full, −∞ before.
    private(set) var threshold: Float = -.infinity

    /// Whether the kept entries are already best first (the candidate path), not a heap.
    private var ordered = false
    // Buffers of the candidate path, reused from row to row.
    private var collected: [Int32]
    private var candidates: [cm_scored] = []
    private var scratch: [cm_scored]

    init(k: Int, candidatePath: Bool = true) {
        self.k = k
        scores = [Float](repeating: 0, count: k)
        indices = [Int32](repeating: 0, count: k)
        collected = [Int32](repeating: 0, count: candidatePath ? 8 * k + 64 : 0)
        scratch = [cm_scored](repeating: cm_scored(score: 0, index: 0), count: candidatePath ? k : 0)
    }

    mutating func reset() {
        size = 0
        threshold = -.infinity
        ordered = false
    }

    /// Whether `(a, ia)` ranks below `(b, ib)`: lower score, or equal score and higher index.
    @inline(__always)
    private func below(_ a: Int, _ b: Int) -> Bool {
        scores[a] < scores[b] || (scores[a] == scores[b] && indices[a] > indices[b])
    }

    mutating func insert(score: Float, index: Int32) {
        if size < k {
            scores[size] = score
            indices[size] = index
            var child = size
            size += 1
            while child > 0 {
                let parent = (child - 1) / 2
                guard below(child, parent) else { break }
                scores.swapAt(child, parent)
                indices.swapAt(child, parent)
                child = parent
            }
        } else {
            scores[0] = score
            indices[0] = index
            var parent = 0
            while true {
                let left = 2 * parent + 1
                let right = left + 1
                var lowest = parent
                if left < size, below(left, lowest) { lowest = left }
                if right < size, below(right, lowest) { lowest = right }
                if lowest == parent { break }
                scores.swapAt(parent, lowest)
                indices.swapAt(parent, lowest)
                parent = lowest
            }
        }
        if size == k { threshold = scores[0] }
    }

    /// Keeps the `k` best of `row[0..<count]` that `admit` lets through: the same as inserting them one by
    /// one, but most are never touched. A heap over a sample picks a threshold (the 2k/8-th best of every
    /// eighth score, so about 2k scores lie above it); a vectorised scan collects the scores above it, and
    /// the k best of the admitted ones are selected and sorted (quickselect and a merge sort, by score, then
    /// lower index). When fewer than `k` are admitted the threshold was too high, and every score goes
    /// through the heap instead. Exact either way: with at least k admitted scores strictly above the
    /// threshold, no score at or below it can be among the k best.
    ///
    /// - Complexity: O(count) comparisons plus about O(k log k) for the candidates, against
    ///   O(k log(count / k) log k) for the heap alone.
    mutating func select(from row: UnsafePointer<Float>, count: Int, admit: (Int, Float) -> Bool) {
        let wanted = max(1, (2 * k) / 8)
        var cut = -Float.infinity
        if count >= 64 * k / 8, count >= 64 {
            // A heap of the sample's best: after the first few, most samples fail one comparison.
            var sample = NearestSelector(k: wanted, candidatePath: false)
            var j = 0
            while j < count {
                let s = row[j]
                if s > sample.threshold { sample.insert(score: s, index: Int32(j)) }
                j += 8
            }
            if sample.size == wanted { cut = sample.threshold }
        }
        if cut > -.infinity {
            var found = collected.withUnsafeMutableBufferPointer { cm_indices_above(row, count, cut, $0.baseAddress!, $0.count) }
            if found > collected.count {
                collected = [Int32](repeating: 0, count: found)
                found = collected.withUnsafeMutableBufferPointer { cm_indices_above(row, count, cut, $0.baseAddress!, $0.count) }
            }
            candidates.removeAll(keepingCapacity: true)
            for index in collected[0..<found] where admit(Int(index), row[Int(index)]) {
                candidates.append(cm_scored(score: row[Int(index)], index: index))
            }
            if candidates.count >= k {
                candidates.withUnsafeMutableBufferPointer { items in
                    scratch.withUnsafeMutableBufferPointer { cm_best_first(items.baseAddress!, items.count, k, $0.baseAddress!) }
                }
                for slot in 0..<k {
                    scores[slot] = candidates[slot].score
                    indices[slot] = candidates[slot].index
                }
                size = k
                ordered = true
                return
            }
        }
        for j in 0..<count {
            let s = row[j]
            if !(s > threshold) { continue }
            if !admit(j, s) { continue }
            insert(score: s, index: Int32(j))
        }
    }

    func sortedBestFirst() -> [(score: Float, index: Int32)] {
        let kept = (0..<size).map { (score: scores[$0], index: indices[$0]) }
        return ordered ? kept : kept.sorted { $0.score != $1.score ? $0.score > $1.score : $0.index < $1.index }
    }
}
