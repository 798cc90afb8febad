import Foundation
import Neighbors
import Numerics
import SafeFiles

/// Joins local galleries built from parts of one split (`index build --shard I/N`, one per worker) into one
/// gallery, as `index build` of the whole split would have made it but for the order of its rows.
///
/// Rows are the parts' rows one part after another: the catalogue's items in that order, each set's vector file
/// their concatenation (copied a chunk at a time, never held whole). A set that gets a graph grows the first part's
/// graph by the other parts' rows (``HNSWGraph/append(_:firstLabel:workers:)``) rather than building it again, when
/// the first part has one; otherwise it is built over all rows.
public enum GalleryMerge {
    /// What each step reports: the set and rows done of rows to do.
    public typealias Progress = (_ step: String, _ done: Int, _ total: Int) -> Void

    /// Rows copied or added to a graph at a time.
    static let chunkRows = 65_536

    /// The parts' manifests must agree on what makes them one gallery; the first disagreement, in words.
    static func disagreement(_ first: IndexManifest, _ other: IndexManifest) -> String? {
        if other.backend != "local" { return "its backend is \(other.backend) (only local galleries are merged)" }
        if other.dimension != first.dimension { return "its vectors are \(other.dimension)-d, not \(first.dimension)-d" }
        if other.metric != first.metric { return "it ranks by another metric" }
        if other.run != first.run { return "it was made with the run \(other.run), not \(first.run)" }
        if other.dataset != first.dataset || other.split != first.split || other.photoFolder != first.photoFolder {
            return "it is of \(other.photoFolder ?? "the \(other.split) split of \(other.dataset)"), not \(first.photoFolder ?? "the \(first.split) split of \(first.dataset)")"
        }
        return nil
    }

    /// Checks that `parts` are the shards 0/N … N−1/N of one gallery, each once, or galleries with no shard.
    static func checkShards(_ manifests: [(URL, IndexManifest)]) throws(SearchError) {
        let shards = manifests.map { ($0.0, $0.1.shard) }
        guard shards.contains(where: { $0.1 != nil }) else { return }
        var count: Int?
        var seen: [Int: URL] = [:]
        for (folder, shard) in shards {
            let parts = shard?.split(separator: "/").compactMap { Int($0) } ?? []
            guard parts.count == 2, parts[1] >= 1, (0..<parts[1]).contains(parts[0]) else {
                throw SearchError("\(folder.path) is not a part of a sharded build (give every part of one `index build --shard I/N`)")
            }
            if let count, count != parts[1] { throw SearchError("\(folder.path) is part \(shard ?? "") but another part is of \(count)") }
            count = parts[1]
            if let earlier = seen[parts[0]] { throw SearchError("\(folder.path) and \(earlier.path) are both part \(shard ?? "")") }
            seen[parts[0]] = folder
        }
        let missing = (0..<(count ?? 0)).filter { seen[$0] == nil }
        guard missing.isEmpty else {
            throw SearchError("parts \(missing.prefix(8).map { "\($0)/\(count ?? 0)" }.joined(separator: ", "))\(missing.count > 8 ? " …" : "") are missing: give every part (nothing was written)")
        }
    }

    /// Writes the merged gallery into `folder` (new or empty; the caller builds beside and moves it into place)
    /// and returns what was written for each set. `modelFrom` names the part whose `model/` the caller copies.
    ///
    /// - Throws: ``SearchError`` naming the part that does not fit (another run, width, metric, source or
    ///   backend; a shard given twice or missing; an id in two parts), before anything is written.
    /// - Complexity: O(total rows · d) to copy; a graph adds O(added rows · efConstruction · log n · d).
    public static func merge(
        _ parts: [URL], into folder: URL, hnswThreshold: Int, alwaysHNSW: Bool, progress: Progress = { _, _, _ in }
    ) throws -> (catalog: GalleryCatalog, sets: [GalleryIndexWriter.WrittenSet]) {
        guard parts.count >= 2 else { throw SearchError("give at least two galleries to merge") }
        let indexes = try parts.map { part throws(SearchError) in try GalleryIndex(folder: part) }
        let first = indexes[0]
        for index in indexes.dropFirst() {
            if let problem = disagreement(first.manifest, index.manifest) {
                throw SearchError("\(index.folder.path) cannot join \(first.folder.path): \(problem)")
            }
            if let problem = disagreement(index.manifest, first.manifest) {  // the first's own backend
                throw SearchError("\(first.folder.path) cannot join \(index.folder.path): \(problem)")
            }
            guard Set(index.backend.sets) == Set(first.backend.sets) else {
                throw SearchError("\(index.folder.path) holds the sets \(index.backend.sets.map(\.rawValue)), \(first.folder.path) \(first.backend.sets.map(\.rawValue))")
            }
        }
        try checkShards(indexes.map { ($0.folder, $0.manifest) })

        // The catalogue: every part's items after the previous part's.
        let catalogs = indexes.map(\.catalog)
        var owner: [String: URL] = [:]
        for (index, catalog) in zip(indexes, catalogs) {
            for image in catalog.images where !image.removed {
                if let other = owner.updateValue(index.folder, forKey: image.id) {
                    throw SearchError("image \(image.id) is in both \(other.path) and \(index.folder.path): parts of one split never share an id")
                }
            }
        }
        owner = [:]
        var merged = try GalleryCatalog(images: catalogs.flatMap(\.images), captions: catalogs.flatMap(\.captions))
        merged.excludedImageIDs = catalogs.reduce(into: Set<String>()) { $0.formUnion($1.excludedImageIDs) }

        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try merged.write(to: GalleryIndex.catalogFile(in: folder))
        let dimension = first.manifest.dimension
        var written: [GalleryIndexWriter.WrittenSet] = []
        for set in VectorSet.allCases where first.backend.sets.contains(set) {
            let rows = zip(indexes, catalogs).map { set.holdsImages ? $1.images.count : $1.captions.count }
            let total = rows.reduce(0, +)
            let target = LocalVectorSearch.vectorFile(set, in: folder)
            try concatenate(indexes.map { LocalVectorSearch.vectorFile(set, in: $0.folder, generation: $0.manifest.generation ?? 0) }, rows: rows, dimension: dimension, into: target) {
                progress("\(set.rawValue): copying vectors", $0, total)
            }
            let graph = (alwaysHNSW || total >= hnswThreshold) && total > 0
            if graph {
                try mergeGraph(set, parts: indexes, rows: rows, dimension: dimension, vectors: target, into: folder) {
                    progress("\(set.rawValue): HNSW graph", $0, total)
                }
            }
            written.append(GalleryIndexWriter.WrittenSet(set: set, rows: total, approximate: graph))
        }
        var manifest = first.manifest
        manifest.images = merged.images.count
        manifest.captions = merged.captions.count
        manifest.shard = nil
        manifest.generation = nil
        try GalleryIndex.writeManifest(manifest, to: folder)
        return (merged, written)
    }

    /// Writes the first `rows[i]` rows of each file one after another into `target`, flushed to disk.
    static func concatenate(_ files: [URL], rows: [Int], dimension: Int, into target: URL, progress: (Int) -> Void) throws {
        let stride = dimension * MemoryLayout<Float>.size
        guard FileManager.default.createFile(atPath: target.path, contents: nil) else {
            throw SearchError("\(target.path): cannot create the file")
        }
        let output = try FileHandle(forWritingTo: target)
        defer { try? output.close() }
        var done = 0
        progress(done)
        for (file, count) in zip(files, rows) {
            let input = try OpenedFile(file, maxBytes: .max)
            guard input.size >= count * stride else {
                throw SearchError("\(file.path) holds \(input.size / stride) rows, its catalogue \(count); build that part again")
            }
            for start in Swift.stride(from: 0, to: count, by: chunkRows) {
                let take = min(chunkRows, count - start)
                try output.write(contentsOf: input.read(offset: start * stride, count: take * stride))
                done += take
                progress(done)
            }
        }
        try output.synchronize()
    }

    /// Saves `set`'s graph over all rows of `vectors`: the first part's graph grown by the rows after it, or, when
    /// the first part has none, one built over every row.
    static func mergeGraph(
        _ set: VectorSet, parts: [GalleryIndex], rows: [Int], dimension: Int, vectors: URL, into folder: URL, progress: (Int) -> Void
    ) throws {
        let total = rows.reduce(0, +)
        let firstGraph = LocalVectorSearch.graphFile(set, in: parts[0].folder, generation: parts[0].manifest.generation ?? 0)
        let mapped = try MappedVectors(vectors, rows: total, dimension: dimension)
        // A first graph saved before its part's last additions catches up with them here too.
        let start = FileManager.default.fileExists(atPath: firstGraph.path) ? try HNSWGraph.load(firstGraph, dimension: dimension, rows: rows[0]) : nil
        let graph = try LocalVectorSearch.grow(start, to: total, rows: { (range) throws(SearchError) in try mapped.rows(range) }) { done, _ in progress(done) }
        try graph.save(to: LocalVectorSearch.graphFile(set, in: folder))
    }
}
