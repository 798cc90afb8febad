import Dispatch
import Foundation
import Numerics

/// Approximate k-nearest-neighbour search with an HNSW graph (hnswlib), for sets too large for the
/// exact n² search.
///
/// All items are inserted in row order on one thread, then each is searched (on every core) for `k` + a
/// margin of candidates so that dropping the item itself and its exact duplicates still leaves `k`. The
/// search breadth `ef` is never below that candidate count.
///
/// One inserting thread makes the graph, and so the lists, a function of the vectors and the seed: with
/// several, the order in which threads link their items changes the graph from run to run (two threads
/// gave different lists for about one row in six). Searches only read the graph, so they stay parallel.
public enum ApproximateNeighbors {
    /// The `k` approximately nearest other items of every row of `vectors`.
    ///
    /// - Parameters:
    ///   - m: graph degree (hnswlib's M).
    ///   - efConstruction: search breadth while building.
    ///   - ef: search breadth while querying; raised to the candidate count if lower.
    ///   - workers: threads for the searches (the graph is built on one).
    /// - Complexity: about O(n log n · d) to build and to query.
    public static func search(
        _ vectors: Matrix, k: Int, metric: NeighborMetric, m: Int = 16, efConstruction: Int = 200, ef: Int = 256,
        seed: UInt64 = 100, workers: Int = ProcessInfo.processInfo.activeProcessorCount,
        progress: (@Sendable (Int) -> Void)? = nil
    ) throws(NeighborError) -> NeighborTable {
        let n = vectors.rows
        let d = vectors.columns
        let (items, k) = try NeighborError.searchInput(vectors, k: k, metric: metric)
        let candidates = min(n, k + 1 + 16)
        let graph = try HNSWGraph.build(
            items, innerProduct: metric == .cosine, m: m, efConstruction: efConstruction, ef: max(ef, candidates), seed: seed,
            workers: 1)
        let failures = Counter()
        let done = Counter()
        var indices = [Int32](repeating: -1, count: n * k)
        var distances = [Float](repeating: .infinity, count: n * k)
        items.values.withUnsafeBufferPointer { itemBuffer in
            nonisolated(unsafe) let x = itemBuffer.baseAddress!
            indices.withUnsafeMutableBufferPointer { indexBuffer in
                distances.withUnsafeMutableBufferPointer { distanceBuffer in
                    nonisolated(unsafe) let outIndices = indexBuffer.baseAddress!
                    nonisolated(unsafe) let outDistances = distanceBuffer.baseAddress!
                    DispatchQueue.concurrentPerform(iterations: workers) { worker in
                        var labels = [Int](repeating: 0, count: candidates)
                        var found = [Float](repeating: 0, count: candidates)
                        var sinceReport = 0
                        for i in stride(from: worker, to: n, by: workers) {
                            let count = graph.nearest(x + i * d, k: candidates, labels: &labels, distances: &found)
                            if count < 0 { _ = failures.add(1); continue }
                            var slot = 0
                            for c in 0..<count where slot < k {
                                let raw = found[c]
                                // Inner-product space returns 1 − ⟨x, y⟩ (cosine distance); L2 space a squared distance.
                                let distance = metric == .cosine ? max(0, raw) : max(0, raw).squareRoot()
                                if labels[c] == i || distance <= ExactNeighbors.duplicateTolerance { continue }
                                outIndices[i * k + slot] = Int32(labels[c])
                                outDistances[i * k + slot] = distance
                                slot += 1
                            }
                            sinceReport += 1
                            if sinceReport == 256 {
                                progress?(done.add(sinceReport))
                                sinceReport = 0
                            }
                        }
                        progress?(done.add(sinceReport))
                    }
                }
            }
        }
        let failed = failures.add(0)
        guard failed == 0 else { throw NeighborError("hnswlib failed on \(failed) item(s)") }
        return try NeighborTable(k: k, metric: metric, indices: indices, distances: distances)
    }
}
