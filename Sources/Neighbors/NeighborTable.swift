import Foundation
import Numerics
import SafeFiles
import TensorFiles

/// How neighbours are measured.
public enum NeighborMetric: String, Codable, Sendable, CaseIterable {
    /// Cosine distance, `1 − cos(x, y)`, in [0, 2].
    case cosine
    /// Euclidean distance, `‖x − y‖₂`.
    case l2
}

/// Every item's `k` nearest other items: row `i` holds indices and distances, nearest first.
///
/// A row with fewer than `k` valid neighbours (a tiny set, or many exact duplicates) is padded with
/// index −1 and distance +∞.
public struct NeighborTable: Equatable, Sendable {
    /// Neighbours per item.
    public let k: Int
    /// The metric the distances are in.
    public let metric: NeighborMetric
    /// `count × k` indices, row-major.
    public let indices: [Int32]
    /// `count × k` distances, row-major.
    public let distances: [Float]

    /// Creates a table, checking the sizes.
    public init(k: Int, metric: NeighborMetric, indices: [Int32], distances: [Float]) throws(NeighborError) {
        guard k > 0, indices.count == distances.count, indices.count % k == 0 else {
            throw NeighborError("a neighbour table needs k > 0 and count × k indices and distances")
        }
        self.k = k
        self.metric = metric
        self.indices = indices
        self.distances = distances
    }

    /// The number of items.
    public var count: Int { indices.count / k }

    /// The neighbours of item `i`, nearest first, without padding.
    public func neighbors(of item: Int) -> [(index: Int, distance: Float)] {
        (0..<k).compactMap { j in
            let index = indices[item * k + j]
            return index < 0 ? nil : (Int(index), distances[item * k + j])
        }
    }

    /// Writes `indices` (I32) and `distances` (F32) as safetensors with the metric in the metadata,
    /// and the item ids beside it (`x.safetensors` → `x.ids.txt`).
    public func write(to url: URL, ids: [String], metadata: [String: String] = [:]) throws {
        guard ids.count == count else { throw NeighborError("\(ids.count) ids for \(count) items") }
        var meta = metadata
        meta["metric"] = metric.rawValue
        meta["k"] = String(k)
        let archive = SafetensorsArchive(
            tensors: [
                "indices": try Tensor(int32: indices, shape: [count, k]),
                "distances": try Tensor(float32: distances, shape: [count, k]),
            ],
            metadata: meta)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try SafetensorsFile.write(archive, to: url)
        try Data((ids.joined(separator: "\n") + "\n").utf8).write(to: Self.idsURL(for: url), options: .atomic)
    }

    /// Reads a table written by ``write(to:ids:metadata:)`` and its ids.
    public static func read(_ url: URL) throws -> (table: NeighborTable, ids: [String]) {
        let archive = try SafetensorsFile.read(url)
        let indices = try archive.tensor("indices", file: url.path)
        guard indices.shape.count == 2, indices.shape[1] > 0,
            let metric = archive.metadata["metric"].flatMap(NeighborMetric.init(rawValue:))
        else {
            throw NeighborError("\(url.path): not a crossmodal neighbour file (indices [n, k] with k ≥ 1, and a metric)")
        }
        let rows = indices.shape[0]
        let values = try indices.integerValues()
        // Every index must name a row of the file (or be the −1 of padding): nothing later trusts them.
        guard values.allSatisfy({ $0 >= -1 && $0 < Int64(rows) }) else {
            throw NeighborError("\(url.path): a neighbour index lies outside the file's \(rows) rows")
        }
        let table = try NeighborTable(
            k: indices.shape[1], metric: metric, indices: values.map { Int32(truncatingIfNeeded: $0) },
            distances: try archive.tensor("distances", file: url.path).floatValues())
        let idsFile = idsURL(for: url)
        let text: String
        do {
            text = try RegularFile.text(idsFile, maxBytes: 1 << 30)
        } catch {
            throw NeighborError(error.message)
        }
        let ids = text.split(separator: "\n").map(String.init)
        guard ids.count == table.count else {
            throw NeighborError("\(idsFile.path): \(ids.count) ids for \(table.count) items")
        }
        return (table, ids)
    }

    /// The ids file beside a neighbour file.
    public static func idsURL(for url: URL) -> URL {
        url.deletingPathExtension().appendingPathExtension("ids.txt")
    }
}

/// A neighbour search that cannot run as asked, with what to fix.
public struct NeighborError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong, in words a user can act on.
    public let message: String

    /// Creates an error with a message.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}

extension NeighborError {
    /// `k` capped at `items − 1`, after checking that a search over `items` vectors makes sense.
    static func effectiveK(_ k: Int, items: Int) throws(NeighborError) -> Int {
        guard k >= 1 else { throw NeighborError("k must be at least 1, got \(k)") }
        guard items >= 2 else { throw NeighborError("need at least 2 vectors to find neighbours, got \(items)") }
        return min(k, items - 1)
    }

    /// The rows a search compares (unit rows for cosine, the rows themselves for L2) and the effective k.
    static func searchInput(_ vectors: Matrix, k: Int, metric: NeighborMetric) throws(NeighborError) -> (items: Matrix, k: Int) {
        let k = try effectiveK(k, items: vectors.rows)
        return (metric == .cosine ? vectors.rowNormalized() : vectors, k)
    }
}
