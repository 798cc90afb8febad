import Foundation
import SafeFiles
import Neighbors
import Numerics

/// The embedded backend: each vector set as a flat little-endian float32 file (`<set>.f32`, rows ×
/// dimension), searched exactly with BLAS, or through a saved HNSW graph (`<set>.hnsw`) when one exists.
public final class LocalVectorSearch: VectorSearchBackend, @unchecked Sendable {
    private let vectors: [VectorSet: Matrix]
    private let graphs: [VectorSet: HNSWGraph]
    /// The vectors' width.
    public let dimension: Int

    /// The sets this backend holds.
    public var sets: [VectorSet] { VectorSet.allCases.filter { vectors[$0] != nil } }

    /// Whether a set is searched through its HNSW graph.
    public func isApproximate(_ set: VectorSet) -> Bool { graphs[set] != nil }

    /// Reads the sets present in `folder`.
    public init(folder: URL, dimension: Int) throws(SearchError) {
        var vectors: [VectorSet: Matrix] = [:]
        var graphs: [VectorSet: HNSWGraph] = [:]
        for set in VectorSet.allCases {
            let file = Self.vectorFile(set, in: folder)
            guard FileManager.default.fileExists(atPath: file.path) else { continue }
            vectors[set] = try Self.readVectors(file, dimension: dimension)
            let graphFile = Self.graphFile(set, in: folder)
            if FileManager.default.fileExists(atPath: graphFile.path) {
                do {
                    graphs[set] = try HNSWGraph.load(graphFile, dimension: dimension, rows: vectors[set]?.rows ?? 0)
                } catch {
                    throw SearchError(error.message)
                }
            }
        }
        self.vectors = vectors
        self.graphs = graphs
        self.dimension = dimension
    }

    /// `<set>.f32` in `folder`.
    public static func vectorFile(_ set: VectorSet, in folder: URL) -> URL { folder.appendingPathComponent("\(set.rawValue).f32") }
    /// `<set>.hnsw` in `folder`.
    public static func graphFile(_ set: VectorSet, in folder: URL) -> URL { folder.appendingPathComponent("\(set.rawValue).hnsw") }

    /// Writes one set's vectors, and its HNSW graph when `graph` is true.
    public static func write(_ matrix: Matrix, set: VectorSet, to folder: URL, graph: Bool) throws(SearchError) {
        let data = matrix.values.withUnsafeBufferPointer { Data(buffer: $0) }  // little-endian on every platform we build for
        do {
            try data.write(to: vectorFile(set, in: folder), options: .atomic)
        } catch {
            throw SearchError("\(vectorFile(set, in: folder).path): \(error.localizedDescription)")
        }
        let graphURL = graphFile(set, in: folder)
        try? FileManager.default.removeItem(at: graphURL)
        if graph {
            do {
                try HNSWGraph.build(matrix).save(to: graphURL)
            } catch {
                throw SearchError(error.message)
            }
        }
    }

    static func readVectors(_ url: URL, dimension: Int) throws(SearchError) -> Matrix {
        guard (1...GalleryIndex.maximumDimension).contains(dimension) else {
            throw SearchError("\(url.path): a dimension of \(dimension) is out of range")
        }
        let data = try SearchError.read(url, maxBytes: 16 << 30)
        let stride = dimension * MemoryLayout<Float>.size
        guard data.count % stride == 0 else {
            throw SearchError("\(url.path): \(data.count) bytes is not a whole number of \(dimension)-d float32 rows")
        }
        let values = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        do {
            return try Matrix(rows: data.count / stride, columns: dimension, values: values)
        } catch {
            throw SearchError(error.message)
        }
    }

    /// Number of rows in a set (0 when absent).
    public func count(_ set: VectorSet) -> Int { vectors[set]?.rows ?? 0 }

    /// The stored vector of one row.
    public func vector(_ set: VectorSet, row: Int) throws(SearchError) -> [Float]? {
        guard let matrix = vectors[set], row >= 0, row < matrix.rows else { return nil }
        return matrix.row(row)
    }

    /// Exact: one matrix–vector product and a bounded-heap top-k; approximate: the HNSW graph.
    ///
    /// - Complexity: exact O(n · d + n log k); HNSW about O(ef · log n · d).
    public func search(_ query: [Float], in set: VectorSet, k: Int) throws(SearchError) -> [SearchHit] {
        guard let matrix = vectors[set] else { throw SearchError("this index has no \(set.rawValue) vectors") }
        guard query.count == dimension else { throw SearchError("the query has \(query.count) values; the index is \(dimension)-d") }
        let wanted = min(max(k, 0), matrix.rows)
        guard wanted > 0 else { return [] }
        if let graph = graphs[set] {
            do {
                return try graph.search(query, k: wanted).map { SearchHit(row: $0.index, score: $0.value) }
            } catch {
                throw SearchError(error.message)
            }
        }
        var scores = Matrix(rows: 1, columns: matrix.rows)
        do {
            try Matrix.gemm(Matrix(rows: 1, columns: dimension, values: query), matrix, transposeB: .transposed, into: &scores)
        } catch {
            throw SearchError(error.message)
        }
        return selectTopK(scores.values, k: wanted).map { SearchHit(row: $0.index, score: $0.value) }
    }
}
