import CHNSW
import Dispatch
import Foundation
import Numerics

/// An HNSW graph (hnswlib) over unit vectors under inner product, kept for repeated queries and
/// saved beside an index.
///
/// Searches may run from several threads at once; the search breadth is fixed at creation or load.
public final class HNSWGraph: @unchecked Sendable {
    private let handle: OpaquePointer
    /// The vectors' width.
    public let dimension: Int

    private init(handle: OpaquePointer, dimension: Int) {
        self.handle = handle
        self.dimension = dimension
    }

    deinit { cm_hnsw_free(handle) }

    /// Builds a graph over the rows of `vectors` (label = row), inserting on all cores.
    ///
    /// - Complexity: about O(n log n · d).
    public static func build(
        _ vectors: Matrix, m: Int = 16, efConstruction: Int = 200, ef: Int = 128, seed: UInt64 = 100,
        workers: Int = ProcessInfo.processInfo.activeProcessorCount
    ) throws(NeighborError) -> HNSWGraph {
        let n = vectors.rows, d = vectors.columns
        var message = [CChar](repeating: 0, count: 256)
        guard let raw = cm_hnsw_create(Int32(d), max(n, 1), m, efConstruction, Int(truncatingIfNeeded: seed), 1, &message, message.count) else {
            throw NeighborError("cannot create the HNSW graph: \(cString(message))")
        }
        let graph = HNSWGraph(handle: raw, dimension: d)
        cm_hnsw_set_ef(raw, ef)
        let failures = Counter()
        vectors.values.withUnsafeBufferPointer { buffer in
            nonisolated(unsafe) let x = buffer.baseAddress!
            nonisolated(unsafe) let target = raw
            DispatchQueue.concurrentPerform(iterations: max(1, workers)) { worker in
                var error = [CChar](repeating: 0, count: 256)
                for i in stride(from: worker, to: n, by: max(1, workers)) where cm_hnsw_add(target, x + i * d, i, &error, error.count) != 0 {
                    _ = failures.add(1)
                }
            }
        }
        let failed = failures.add(0)
        guard failed == 0 else { throw NeighborError("\(failed) vectors could not be added to the HNSW graph") }
        return graph
    }

    /// Reads a graph saved by ``save(to:)``.
    public static func load(_ url: URL, dimension: Int, ef: Int = 128) throws(NeighborError) -> HNSWGraph {
        var message = [CChar](repeating: 0, count: 256)
        guard let raw = cm_hnsw_load(url.path, Int32(dimension), 1, &message, message.count) else {
            throw NeighborError("\(url.path): cannot read the HNSW graph (\(cString(message)))")
        }
        cm_hnsw_set_ef(raw, ef)
        return HNSWGraph(handle: raw, dimension: dimension)
    }

    /// Writes the graph (hnswlib's format).
    public func save(to url: URL) throws(NeighborError) {
        var message = [CChar](repeating: 0, count: 256)
        guard cm_hnsw_save(handle, url.path, &message, message.count) == 0 else {
            throw NeighborError("\(url.path): cannot write the HNSW graph (\(cString(message)))")
        }
    }

    /// Vectors in the graph.
    public var count: Int { cm_hnsw_count(handle) }

    /// The approximately `k` most similar rows to `query` (a unit vector), best first, scored by inner product.
    ///
    /// - Complexity: about O(ef · log n · d).
    public func search(_ query: [Float], k: Int) throws(NeighborError) -> [ScoredIndex] {
        guard query.count == dimension else { throw NeighborError("query has \(query.count) values, the graph \(dimension)") }
        let wanted = min(max(k, 0), count)
        guard wanted > 0 else { return [] }
        var labels = [Int](repeating: 0, count: wanted)
        var distances = [Float](repeating: 0, count: wanted)
        var message = [CChar](repeating: 0, count: 256)
        let found = cm_hnsw_search(handle, query, wanted, &labels, &distances, &message, message.count)
        guard found >= 0 else { throw NeighborError("HNSW search failed: \(cString(message))") }
        // Inner-product space distance is 1 − ⟨x, q⟩.
        return (0..<found).map { ScoredIndex(index: labels[$0], value: 1 - distances[$0]) }
    }
}

/// The text of a NUL-terminated C buffer.
func cString(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
