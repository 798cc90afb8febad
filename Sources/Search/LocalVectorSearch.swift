import Foundation
import SafeFiles
import Neighbors
import Numerics

/// The embedded backend: each vector set as a flat little-endian float32 file (`<set>.f32`, rows ×
/// dimension), searched exactly with BLAS, or through a saved HNSW graph (`<set>.hnsw`) when one exists.
///
/// Rows are only ever appended (a removal hides a row until `index compact`). The in-memory copy and the
/// graphs change only through ``publish(_:in:from:)``, which callers serialise against searches
/// (``GalleryIndex`` holds its write lock); everything else is read-only.
///
/// No set is read whole. A set searched exactly is memory-mapped (``MappedVectors``) and scored in place by BLAS,
/// a chunk of rows at a time. A set with a graph searches the graph (itself mapped, ``HNSWGraph/load(_:dimension:rows:ef:)``,
/// vectors inside), so its flat file is not mapped at all: the few rows asked for by id (an image's baseline,
/// near-duplicates, a query by an image in the gallery) are read from it as needed. At a million 256-d rows that
/// is a gigabyte not held twice, and opening copies nothing.
public final class LocalVectorSearch: VectorSearchBackend, @unchecked Sendable {
    /// Sets searched exactly, mapped.
    private var flat: [VectorSet: MappedVectors]
    /// Rows of each set kept on disk (those with a graph).
    private var diskRows: [VectorSet: Int] = [:]
    private var graphs: [VectorSet: HNSWGraph]
    /// Rows each graph held when it was read or last saved, to tell whether it needs saving.
    private var savedGraphRows: [VectorSet: Int] = [:]
    private let folder: URL
    private let generation: Int
    /// The vectors' width.
    public let dimension: Int

    /// The sets this backend holds.
    public var sets: [VectorSet] { VectorSet.allCases.filter { flat[$0] != nil || diskRows[$0] != nil } }

    /// Whether a set is searched through its HNSW graph.
    public func isApproximate(_ set: VectorSet) -> Bool { graphs[set] != nil }

    /// Reads the sets present in `folder`. With `committed`, each set keeps only that many rows (what a
    /// crashed writer appended beyond them is ignored) and must hold at least that many; a graph saved
    /// before the last additions catches up with them here.
    public init(folder: URL, dimension: Int, committed: [VectorSet: Int]? = nil, generation: Int = 0) throws(SearchError) {
        var flat: [VectorSet: MappedVectors] = [:]
        var diskRows: [VectorSet: Int] = [:]
        var graphs: [VectorSet: HNSWGraph] = [:]
        var savedGraphRows: [VectorSet: Int] = [:]
        for set in VectorSet.allCases {
            let file = Self.vectorFile(set, in: folder, generation: generation)
            guard FileManager.default.fileExists(atPath: file.path) else { continue }
            let graphFile = Self.graphFile(set, in: folder, generation: generation)
            let rows = try Self.countRows(file, dimension: dimension, committedRows: committed?[set])
            guard FileManager.default.fileExists(atPath: graphFile.path) else {
                flat[set] = try MappedVectors(file, rows: rows, dimension: dimension)
                continue
            }
            let graph: HNSWGraph
            do {
                graph = try HNSWGraph.load(graphFile, dimension: dimension, rows: rows)
            } catch {
                throw SearchError(error.message)
            }
            savedGraphRows[set] = graph.count
            // Saved before the last additions: it catches up here, reading the rows after its own from the file.
            _ = try Self.grow(graph, to: rows, rows: { (range) throws(SearchError) in
                try Self.readRows(file, dimension: dimension, from: range.lowerBound, count: range.count)
            }) { _, _ in }
            graphs[set] = graph
            diskRows[set] = rows
        }
        self.flat = flat
        self.diskRows = diskRows
        self.graphs = graphs
        self.savedGraphRows = savedGraphRows
        self.folder = folder
        self.generation = generation
        self.dimension = dimension
    }

    /// `<set>.f32` in `folder` (`<set>.g<n>.f32` from the n-th `index compact` on).
    public static func vectorFile(_ set: VectorSet, in folder: URL, generation: Int = 0) -> URL {
        folder.appendingPathComponent(set.rawValue + GalleryIndex.generationSuffix(generation) + ".f32")
    }
    /// `<set>.hnsw` in `folder` (`<set>.g<n>.hnsw` from the n-th `index compact` on).
    public static func graphFile(_ set: VectorSet, in folder: URL, generation: Int = 0) -> URL {
        folder.appendingPathComponent(set.rawValue + GalleryIndex.generationSuffix(generation) + ".hnsw")
    }

    /// Rows a graph takes in at a time while it is built (between two progress reports).
    static let graphChunkRows = 65_536

    /// Writes one set's vectors (flushed to disk), and its HNSW graph when `graph` is true: built over the first
    /// chunk of rows, then grown a chunk at a time (``HNSWGraph/append(_:firstLabel:workers:)``), reporting rows
    /// done of rows to do through `progress` (a million rows take half an hour on two cores).
    public static func write(
        _ matrix: Matrix, set: VectorSet, to folder: URL, graph: Bool, generation: Int = 0, progress: ((Int, Int) -> Void)? = nil
    ) throws(SearchError) {
        // Written from the matrix's own storage (little-endian on every platform we build for), not a copy of it:
        // ten million rows are ten gigabytes.
        let url = vectorFile(set, in: folder, generation: generation)
        let written = matrix.values.withUnsafeBufferPointer { buffer in
            let bytes = buffer.baseAddress.map {
                Data(bytesNoCopy: UnsafeMutableRawPointer(mutating: $0), count: buffer.count * MemoryLayout<Float>.size, deallocator: .none)
            } ?? Data()
            return Result { () throws(FileReadError) in try DurableFile.replace(url, with: bytes) }
        }
        if case .failure(let error) = written { throw SearchError(error.message) }
        let graphURL = graphFile(set, in: folder, generation: generation)
        try? FileManager.default.removeItem(at: graphURL)
        if graph {
            let built = try grow(nil, to: matrix.rows, rows: { matrix.gatherRows($0) }) { progress?($0, $1) }
            do {
                try built.save(to: graphURL)
            } catch {
                throw SearchError(error.message)
            }
        }
    }

    /// `graph` grown to `total` rows (or, without one, a graph built over the first chunk and grown), a chunk of
    /// ``graphChunkRows`` rows at a time from `rows`, reporting rows done of `total` after each chunk.
    static func grow(
        _ graph: HNSWGraph?, to total: Int, rows: (Range<Int>) throws(SearchError) -> Matrix, progress: (Int, Int) -> Void
    ) throws(SearchError) -> HNSWGraph {
        // Reported before any work, so that a progress bar's clock starts with it.
        progress(graph?.count ?? 0, total)
        var done: Int
        let grown: HNSWGraph
        if let graph {
            (grown, done) = (graph, graph.count)
        } else {
            done = min(graphChunkRows, total)
            let first = try rows(0..<done)
            do {
                grown = try HNSWGraph.build(first)
            } catch {
                throw SearchError(error.message)
            }
        }
        progress(done, total)
        while done < total {
            let take = min(graphChunkRows, total - done)
            let chunk = try rows(done..<(done + take))
            do {
                try grown.append(chunk, firstLabel: done)
            } catch {
                throw SearchError(error.message)
            }
            done += take
            progress(done, total)
        }
        return grown
    }

    /// Number of rows in a set (0 when absent).
    public func count(_ set: VectorSet) -> Int { flat[set]?.rows ?? diskRows[set] ?? 0 }

    /// The stored vector of one row (read from the file for a set kept on disk).
    public func vector(_ set: VectorSet, row: Int) throws(SearchError) -> [Float]? {
        if let mapped = flat[set] {
            guard row >= 0, row < mapped.rows else { return nil }
            return mapped.row(row)
        }
        guard let rows = diskRows[set], row >= 0, row < rows else { return nil }
        return try Self.readRows(Self.vectorFile(set, in: folder, generation: generation), dimension: dimension, from: row, count: 1).values
    }

    /// The number of whole rows in a vector file (with `committedRows`, exactly that many, which it must hold).
    static func countRows(_ url: URL, dimension: Int, committedRows: Int?) throws(SearchError) -> Int {
        guard (1...GalleryIndex.maximumDimension).contains(dimension) else {
            throw SearchError("\(url.path): a dimension of \(dimension) is out of range")
        }
        let size: Int
        do {
            size = try OpenedFile(url, maxBytes: .max).size
        } catch {
            throw SearchError(error.message)
        }
        let stride = dimension * MemoryLayout<Float>.size
        if let rows = committedRows {
            guard rows >= 0, size / stride >= rows else {
                throw SearchError("\(url.path) holds \(size / stride) vectors, the catalogue \(rows); build the index again")
            }
            return rows
        }
        guard size % stride == 0 else {
            throw SearchError("\(url.path): \(size) bytes is not a whole number of \(dimension)-d float32 rows")
        }
        return size / stride
    }

    /// Rows `from..<from + count` of a vector file, read in place (`pread`).
    static func readRows(_ url: URL, dimension: Int, from start: Int, count: Int) throws(SearchError) -> Matrix {
        let stride = dimension * MemoryLayout<Float>.size
        let data = try RegularFile.read(url, offset: start * stride, count: count * stride, maxBytes: 16 << 30, orThrow: SearchError.init)
        let values = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        do {
            return try Matrix(rows: count, columns: dimension, values: values)
        } catch {
            throw SearchError(error.message)
        }
    }

    /// Appends the rows to `<set>.f32` after its first `start` rows and flushes the file.
    public func store(_ new: Matrix, in set: VectorSet, from start: Int, ids: [String], labels: [String]) throws(SearchError) {
        guard new.columns == dimension else { throw SearchError("\(new.columns)-d vectors for a \(dimension)-d index") }
        let data = new.values.withUnsafeBufferPointer { Data(buffer: $0) }
        do {
            try DurableFile.truncateAndAppend(Self.vectorFile(set, in: folder, generation: generation), keeping: start * dimension * 4, data: data)
        } catch {
            throw SearchError(error.message)
        }
    }

    /// Shows rows that ``store(_:in:from:ids:labels:)`` put on disk: a graph takes them in, a mapped set is mapped again.
    public func publish(_ new: Matrix, in set: VectorSet, from start: Int) throws(SearchError) {
        if let rows = diskRows[set], let graph = graphs[set] {
            // On disk already (``store(_:in:from:ids:labels:)``): only the graph and the count change.
            guard rows == start, new.columns == dimension else { throw SearchError("\(set.rawValue): rows from \(start) published onto \(rows)") }
            do {
                try graph.append(new, firstLabel: start)
            } catch {
                throw SearchError(error.message)
            }
            diskRows[set] = rows + new.rows
            return
        }
        // Stored already (``store(_:in:from:ids:labels:)``): the set is mapped again over its longer file.
        let present = flat[set]?.rows ?? 0
        guard present == start, new.columns == dimension else {
            throw SearchError("\(set.rawValue): rows from \(start) published onto \(present)")
        }
        flat[set] = try MappedVectors(Self.vectorFile(set, in: folder, generation: generation), rows: start + new.rows, dimension: dimension)
    }

    /// Nothing to do: the flat files keep removed rows until `index compact`.
    public func forget(rows: [Int], in set: VectorSet) throws(SearchError) {}

    /// Cuts `<set>.f32` back to its committed rows.
    public func recover(_ set: VectorSet, committed: Int, removed: Set<Int>) throws(SearchError) {
        let file = Self.vectorFile(set, in: folder, generation: generation)
        guard FileManager.default.fileExists(atPath: file.path) else { return }
        do {
            try DurableFile.truncateAndAppend(file, keeping: committed * dimension * 4, data: Data())
        } catch {
            throw SearchError(error.message)
        }
    }

    /// Saves every graph that grew since it was read or saved (a graph is a cache: a stale one catches up on opening).
    public func saveGrownGraphs() throws(SearchError) {
        for (set, graph) in graphs where graph.count != savedGraphRows[set] {
            do {
                try graph.save(to: Self.graphFile(set, in: folder, generation: generation))
            } catch {
                throw SearchError(error.message)
            }
            savedGraphRows[set] = graph.count
        }
    }

    /// Exact: one matrix–vector product and a bounded-heap top-k; approximate: the HNSW graph.
    ///
    /// - Complexity: exact O(n · d + n log k); HNSW about O(ef · log n · d).
    /// Rows hidden by `visible` are skipped: the exact search scores them −∞; the graph is asked for as many
    /// more results as there are hidden rows, so that `k` visible ones remain.
    public func search(_ query: [Float], in set: VectorSet, k: Int, visible: VisibleRows) throws(SearchError) -> [SearchHit] {
        guard sets.contains(set) else { throw SearchError("this index has no \(set.rawValue) vectors") }
        guard query.count == dimension else { throw SearchError("the query has \(query.count) values; the index is \(dimension)-d") }
        let stored = count(set)
        let rows = min(stored, visible.count)
        let hidden = visible.removed.count + (stored - rows)
        let wanted = min(max(k, 0), max(0, rows - visible.removed.count))
        guard wanted > 0 else { return [] }
        if let graph = graphs[set] {
            do {
                return try graph.search(query, k: min(wanted + hidden, stored))
                    .lazy.filter { visible.contains($0.index) }.prefix(wanted).map { SearchHit(row: $0.index, score: $0.value) }
            } catch {
                throw SearchError(error.message)
            }
        }
        guard let mapped = flat[set] else { throw SearchError("this index has no \(set.rawValue) vectors") }
        return mapped.search(query, k: wanted) { visible.contains($0) }
            .map { SearchHit(row: $0.index, score: $0.value) }
    }
}
