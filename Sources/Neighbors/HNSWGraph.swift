import CHNSW
import Dispatch
import Foundation
import Numerics
import SafeFiles

/// An HNSW graph (hnswlib) under inner product (for unit vectors, cosine) or squared Euclidean
/// distance, built once for many queries and, for an index, saved beside it.
///
/// Searches may run from several threads at once; the search breadth is fixed at creation or load.
public final class HNSWGraph: @unchecked Sendable {
    private let handle: OpaquePointer
    /// The vectors' width.
    public let dimension: Int
    /// Inner-product space (distance 1 − ⟨x, q⟩) rather than squared Euclidean distance.
    public let innerProduct: Bool

    private init(handle: OpaquePointer, dimension: Int, innerProduct: Bool) {
        self.handle = handle
        self.dimension = dimension
        self.innerProduct = innerProduct
    }

    deinit { cm_hnsw_free(handle) }

    /// Builds a graph over the rows of `vectors` (label = row), inserting on all cores.
    ///
    /// - Complexity: about O(n log n · d).
    public static func build(
        _ vectors: Matrix, innerProduct: Bool = true, m: Int = 16, efConstruction: Int = 200, ef: Int = 128, seed: UInt64 = 100,
        workers: Int = ProcessInfo.processInfo.activeProcessorCount
    ) throws(NeighborError) -> HNSWGraph {
        let n = vectors.rows, d = vectors.columns
        var message = [CChar](repeating: 0, count: 256)
        guard let raw = cm_hnsw_create(
            Int32(d), max(n, 1), m, efConstruction, Int(truncatingIfNeeded: seed), innerProduct ? 1 : 0, &message, message.count)
        else {
            throw NeighborError("cannot create the HNSW graph: \(cString(message))")
        }
        let graph = HNSWGraph(handle: raw, dimension: d, innerProduct: innerProduct)
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

    /// Opens an inner-product graph saved by ``save(to:)`` for `rows` vectors of `dimension` floats, after
    /// checking every byte of it (``HNSWGraphFile``; hnswlib itself trusts its file). The file is then mapped,
    /// not read: searches read its level 0 in place (`cm_hnsw_map`), so a million-row graph opens without
    /// copying its gigabyte and the kernel keeps in memory only the pages searches use.
    ///
    /// A graph file is replaced by renaming a new one into place, never rewritten: an open graph keeps reading
    /// the file it checked.
    public static func load(_ url: URL, dimension: Int, rows: Int, ef: Int = 128) throws(NeighborError) -> HNSWGraph {
        let file: OpenedFile
        do {
            file = try OpenedFile(url, maxBytes: HNSWGraphFile.maximumBytes)
        } catch {
            throw NeighborError(error.message)
        }
        try HNSWGraphFile.check(file, dimension: dimension, rows: rows)
        var message = [CChar](repeating: 0, count: 256)
        guard let raw = cm_hnsw_map(file.descriptor, file.size, Int32(dimension), 1, &message, message.count) else {
            throw NeighborError("\(url.path): cannot read the HNSW graph (\(cString(message)))")
        }
        cm_hnsw_set_ef(raw, ef)
        return HNSWGraph(handle: raw, dimension: dimension, innerProduct: true)
    }

    /// Writes the graph (hnswlib's format) to a temporary file beside `url`, then renames it into place, so a
    /// crash while saving leaves the old graph or the new one. The capacity is first trimmed to the count
    /// (``HNSWGraphFile`` accepts no spare capacity, which a hostile file could use to make hnswlib allocate).
    ///
    /// Not safe while another thread adds to or searches the graph.
    public func save(to url: URL) throws(NeighborError) {
        var message = [CChar](repeating: 0, count: 256)
        if cm_hnsw_capacity(handle) != max(count, 1) {
            guard cm_hnsw_resize(handle, max(count, 1), &message, message.count) == 0 else {
                throw NeighborError("\(url.path): cannot trim the HNSW graph (\(cString(message)))")
            }
        }
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).saving")
        guard cm_hnsw_save(handle, temporary.path, &message, message.count) == 0 else {
            throw NeighborError("\(url.path): cannot write the HNSW graph (\(cString(message)))")
        }
        do {
            try DurableFile.sync(temporary)
            try DurableFile.rename(temporary, to: url)
        } catch {
            throw NeighborError("\(url.path): cannot put the HNSW graph in place (\(error.message))")
        }
    }

    /// Appends the rows of `vectors` under labels `firstLabel`, `firstLabel + 1`, … (the next rows), inserting on
    /// `workers` threads: the graph grows by as many rows as it is given, without being built again. The
    /// capacity grows once when they do not fit: to fit them, and by at least half (amortised O(1) copies a row).
    ///
    /// Not safe while another thread searches the graph.
    ///
    /// - Complexity: about O(rows · efConstruction · log n · d) / workers.
    public func append(_ vectors: Matrix, firstLabel: Int, workers: Int = ProcessInfo.processInfo.activeProcessorCount) throws(NeighborError) {
        guard vectors.columns == dimension, firstLabel >= 0 else {
            throw NeighborError("cannot add \(vectors.columns)-d vectors to a \(dimension)-d graph")
        }
        guard vectors.rows > 0 else { return }
        var message = [CChar](repeating: 0, count: 256)
        if count + vectors.rows > cm_hnsw_capacity(handle) {
            // Grown by half at least: a gallery adding a photo at a time must not copy its graph for each one.
            guard cm_hnsw_resize(handle, max(count + vectors.rows, count + count / 2, 16), &message, message.count) == 0 else {
                throw NeighborError("cannot grow the HNSW graph (\(cString(message)))")
            }
        }
        let failures = Counter()
        let n = vectors.rows, d = dimension
        vectors.values.withUnsafeBufferPointer { buffer in
            nonisolated(unsafe) let x = buffer.baseAddress!
            nonisolated(unsafe) let target = handle
            DispatchQueue.concurrentPerform(iterations: max(1, workers)) { worker in
                var error = [CChar](repeating: 0, count: 256)
                for i in stride(from: worker, to: n, by: max(1, workers)) where cm_hnsw_add(target, x + i * d, firstLabel + i, &error, error.count) != 0 {
                    _ = failures.add(1)
                }
            }
        }
        let failed = failures.add(0)
        guard failed == 0 else { throw NeighborError("\(failed) vectors could not be added to the HNSW graph") }
    }

    /// Vectors in the graph.
    public var count: Int { cm_hnsw_count(handle) }

    /// The approximately `k` most similar rows to `query` (a unit vector for an inner-product graph),
    /// best first, scored by inner product (or by negative squared distance in a Euclidean graph).
    ///
    /// - Complexity: about O(ef · log n · d).
    public func search(_ query: [Float], k: Int) throws(NeighborError) -> [ScoredIndex] {
        guard query.count == dimension else { throw NeighborError("query has \(query.count) values, the graph \(dimension)") }
        let wanted = min(max(k, 0), count)
        guard wanted > 0 else { return [] }
        var labels = [Int](repeating: 0, count: wanted)
        var distances = [Float](repeating: 0, count: wanted)
        let found = query.withUnsafeBufferPointer { nearest($0.baseAddress!, k: wanted, labels: &labels, distances: &distances) }
        guard found >= 0 else { throw NeighborError("HNSW search failed") }
        return (0..<found).map { ScoredIndex(index: labels[$0], value: innerProduct ? 1 - distances[$0] : -distances[$0]) }
    }

    /// hnswlib's raw answer: up to `k` labels and distances (1 − ⟨x, q⟩, or squared Euclidean), nearest
    /// first, into buffers of at least `k`; returns how many, or −1 on failure.
    func nearest(_ query: UnsafePointer<Float>, k: Int, labels: inout [Int], distances: inout [Float]) -> Int {
        var message = [CChar](repeating: 0, count: 256)
        return cm_hnsw_search(handle, query, k, &labels, &distances, &message, message.count)
    }
}

/// The text of a NUL-terminated C buffer.
func cString(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
