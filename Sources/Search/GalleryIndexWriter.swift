import Evaluation
import Foundation
import Numerics
import SafeFiles

/// Writes an index folder: `catalog.sqlite`, every vector set (local files or PostgreSQL tables) and
/// `index.json`, in that order, so that a folder with a manifest is complete.
///
/// The writer owns the gallery end of the metric: vectors are stored as
/// ``SimilarityMetric/preparedGallery(_:)`` makes them, and the manifest records the metric so that
/// ``GalleryIndex`` prepares queries to match (``SimilarityMetric/preparedQuery(_:)``).
public struct GalleryIndexWriter {
    /// Where the vectors go.
    public enum Backend: Sendable {
        /// Flat float32 files in the folder; an HNSW graph beside each set of at least `hnswThreshold`
        /// rows, or every set with `alwaysHNSW`.
        case local(hnswThreshold: Int, alwaysHNSW: Bool)
        /// pgvector tables `<tablePrefix>_<set>` with HNSW indexes.
        case postgres(url: String, tablePrefix: String)
    }

    /// What was written for one set.
    public struct WrittenSet: Sendable {
        /// The set.
        public var set: VectorSet
        /// Its rows.
        public var rows: Int
        /// Whether an HNSW graph (or index) serves it.
        public var approximate: Bool
        /// The PostgreSQL table, for that backend.
        public var table: String?
    }

    /// The index folder.
    public let folder: URL
    /// Where the vectors go.
    public let backend: Backend

    /// A writer into `folder` (created if needed).
    public init(folder: URL, backend: Backend) {
        self.folder = folder
        self.backend = backend
    }

    /// Writes the catalogue, the sets and the manifest.
    ///
    /// - Parameters:
    ///   - sets: each set's embeddings (not yet prepared), rows in catalogue order.
    ///   - metric: how the space ranks; a squared-Euclidean space is stored for inner-product search.
    ///   - source: the dataset, split and run recorded in the manifest.
    ///   - shard: `I/N` when the catalogue holds only that part of the split (``IndexManifest/shard``).
    ///   - graphProgress: rows of a set's HNSW graph built, of its rows (local backend).
    public func write(
        catalog: GalleryCatalog, sets: [(VectorSet, Matrix)], metric: SimilarityMetric,
        source: (dataset: String, split: String, run: String), photoFolder: String? = nil, shard: String? = nil,
        graphProgress: ((VectorSet, Int, Int) -> Void)? = nil
    ) throws -> [WrittenSet] {
        guard let first = sets.first else { throw SearchError("an index needs at least one vector set") }
        for (set, vectors) in sets {
            let expected = set.holdsImages ? catalog.images.count : catalog.captions.count
            guard vectors.rows == expected else {
                throw SearchError("\(set.rawValue): \(vectors.rows) vectors for \(expected) catalogue entries")
            }
        }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // Not while a server or `index add` writes to this folder.
        let lock: ExclusiveLock
        do {
            lock = try ExclusiveLock(folder.appendingPathComponent("write.lock"))
        } catch {
            throw SearchError(error.message)
        }
        defer { lock.unlock() }
        // A folder being rewritten loses its manifest first, so it never describes half-written sets.
        try? FileManager.default.removeItem(at: folder.appendingPathComponent(IndexManifest.fileName))
        try GalleryFiles.removeStale(in: folder, keeping: -1)  // every generation's files go
        try catalog.write(to: GalleryIndex.catalogFile(in: folder))
        let dimension = metric.preparedWidth(first.1.columns)
        var manifest = IndexManifest(
            backend: "local", dimension: dimension, images: catalog.images.count, captions: catalog.captions.count,
            dataset: source.dataset, split: source.split, run: source.run)
        manifest.euclidean = metric == .squaredEuclidean ? true : nil
        manifest.photoFolder = photoFolder
        manifest.shard = shard
        var written: [WrittenSet] = []
        for (set, embeddings) in sets {
            let vectors = metric.preparedGallery(embeddings)
            switch backend {
            case .local(let threshold, let always):
                let graph = always || vectors.rows >= threshold
                try LocalVectorSearch.write(vectors, set: set, to: folder, graph: graph) { graphProgress?(set, $0, $1) }
                written.append(WrittenSet(set: set, rows: vectors.rows, approximate: graph))
            case .postgres(let url, let prefix):
                manifest.backend = "postgres"
                manifest.postgresURL = url
                manifest.tablePrefix = prefix
                let ids = set.holdsImages ? catalog.images.map(\.id) : catalog.captions.map(\.id)
                let labels = set.holdsImages ? catalog.images.map(\.path) : catalog.captions.map(\.text)
                try PostgresVectorSearch.write(vectors, set: set, ids: ids, labels: labels, url: url, prefix: prefix)
                written.append(WrittenSet(set: set, rows: vectors.rows, approximate: true, table: PostgresVectorSearch.table(prefix, set)))
            }
        }
        try GalleryIndex.writeManifest(manifest, to: folder)
        return written
    }
}
