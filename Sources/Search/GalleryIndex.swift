import Evaluation
import Foundation
import Numerics
import SafeFiles

/// What `index.json` records about an index folder.
public struct IndexManifest: Codable, Equatable, Sendable {
    /// The folder layout's version.
    public var format = 2
    /// `local` (vectors in the folder) or `postgres`.
    public var backend: String
    /// The PostgreSQL URL of a `postgres` index.
    public var postgresURL: String?
    /// The table prefix of a `postgres` index.
    public var tablePrefix: String?
    /// The joint space's width.
    public var dimension: Int
    /// Images in the gallery.
    public var images: Int
    /// Captions in the gallery.
    public var captions: Int
    /// The dataset and split the gallery came from.
    public var dataset: String
    /// The split the gallery came from.
    public var split: String
    /// The run the vectors were made with (its model is copied into the index's `model/`).
    public var run: String
    /// True when rows carry an extra last value −‖g‖²/2 so that inner-product search ranks by
    /// Euclidean distance (runs trained unnormalised with a squared-L2 loss); queries get a 1 appended.
    public var euclidean: Bool?
    /// How many times `index compact` rewrote the files (their names carry it from the first on); the
    /// manifest's atomic replacement is what switches readers to a new generation.
    public var generation: Int?
    /// The folder of photos a plain-folder gallery was built from (ids are paths relative to it).
    public var photoFolder: String?
    /// `I/N` when the gallery holds only part I of N of its split (`index build --shard`), to be joined with the
    /// other parts by `index merge`; nil for a whole gallery.
    public var shard: String?

    /// Creates a manifest.
    public init(
        backend: String, postgresURL: String? = nil, tablePrefix: String? = nil, dimension: Int, images: Int, captions: Int,
        dataset: String, split: String, run: String
    ) {
        self.backend = backend
        self.postgresURL = postgresURL
        self.tablePrefix = tablePrefix
        self.dimension = dimension
        self.images = images
        self.captions = captions
        self.dataset = dataset
        self.split = split
        self.run = run
    }

    /// How the stored rows rank: by Euclidean distance when ``euclidean`` is set, else by inner product.
    public var metric: SimilarityMetric { euclidean == true ? .squaredEuclidean : .innerProduct }

    public static let fileName = "index.json"
}

/// One search result with what the catalogue knows about it.
public struct SearchResult: Codable, Equatable, Sendable {
    /// `image` or `caption`.
    public var kind: String
    /// The item's id.
    public var id: String
    /// Cosine similarity to the query.
    public var score: Float
    /// The image the item is or belongs to.
    public var imageID: String
    /// The caption text (captions only).
    public var text: String?
    /// The image's captions (images only).
    public var captions: [String]?
    /// The probability that the item matches the query, from the run's calibration (text↔image searches
    /// of a calibrated run only; see ``MatchCalibration``).
    public var matchProbability: Double? = nil

    enum CodingKeys: String, CodingKey {
        case kind, id, score, imageID, text, captions
        case matchProbability = "match_probability"
    }
}

/// An index folder opened for searching: `index.json`, `catalog.sqlite`, the vectors (in the folder or
/// in PostgreSQL) and `model/`, the run that embeds queries.
///
/// A ``GalleryWriter`` may change the gallery while searches run: every search holds a read lock over one
/// catalogue snapshot and the vectors it names, and a change is published under the write lock, so each
/// search sees the gallery before a change or after it, never a mix.
public final class GalleryIndex: @unchecked Sendable {
    /// The index folder.
    public let folder: URL
    /// Its manifest as opened.
    public let manifest: IndexManifest
    /// The manifest file's stamp, taken just before it was read: a later stamp that differs means another
    /// process changed the index since (every change replaces the manifest last).
    public let manifestStamp: FileStamp?
    /// Where the vectors are searched.
    public let backend: any VectorSearchBackend
    let lock = ReadWriteLock()
    private var current: GalleryCatalog

    /// Ids, captions and image files: a snapshot of the gallery now.
    public var catalog: GalleryCatalog { lock.read { current } }

    /// The widest joint space an index may declare (the widest preset is 4,096-d).
    public static let maximumDimension = 65_536

    /// The folder holding the run that embeds queries.
    public var modelFolder: URL { folder.appendingPathComponent("model") }

    /// `""` for the files of generation 0, `.g<n>` after it.
    static func generationSuffix(_ generation: Int) -> String { generation == 0 ? "" : ".g\(generation)" }

    /// `catalog.sqlite` (`catalog.g<n>.sqlite` from the n-th `index compact` on).
    public static func catalogFile(in folder: URL, generation: Int = 0) -> URL {
        folder.appendingPathComponent("catalog" + generationSuffix(generation) + ".sqlite")
    }

    /// The catalogue file of this index's generation.
    public var catalogFile: URL { Self.catalogFile(in: folder, generation: manifest.generation ?? 0) }

    /// The manifest of the index in `folder`, checked (its dimension, counts and generation in range), without
    /// opening the index.
    public static func readManifest(in folder: URL) throws(SearchError) -> IndexManifest {
        let manifestFile = folder.appendingPathComponent(IndexManifest.fileName)
        guard FileManager.default.fileExists(atPath: manifestFile.path) else {
            throw SearchError("\(folder.path) is not an index: no \(IndexManifest.fileName) (build one with `crossmodal index build`)")
        }
        let data = try RegularFile.read(manifestFile, maxBytes: 1 << 20, orThrow: SearchError.init)
        let manifest: IndexManifest
        do {
            manifest = try JSONDecoder().decode(IndexManifest.self, from: data)
        } catch {
            throw SearchError("\(manifestFile.path) is not a crossmodal index manifest: \(error)")
        }
        guard (1...Self.maximumDimension).contains(manifest.dimension), manifest.images >= 0, manifest.captions >= 0,
            (0...1_000_000).contains(manifest.generation ?? 0)
        else {
            throw SearchError("\(manifestFile.path): dimension \(manifest.dimension), its counts or its generation are out of range; build the index again")
        }
        return manifest
    }

    /// Opens an index folder written by `crossmodal index build`.
    public init(folder: URL) throws(SearchError) {
        let manifestFile = folder.appendingPathComponent(IndexManifest.fileName)
        manifestStamp = FileStamp(path: manifestFile.path)
        let manifest = try Self.readManifest(in: folder)
        self.folder = folder
        self.manifest = manifest
        let generation = manifest.generation ?? 0
        // The catalogue is the commit point: its rows say how many vector rows exist (the manifest's counts
        // are for people and may lag a crash by one change).
        let catalog = try GalleryCatalog.read(from: Self.catalogFile(in: folder, generation: generation))
        current = catalog
        switch manifest.backend {
        case "local":
            backend = try LocalVectorSearch(
                folder: folder, dimension: manifest.dimension,
                committed: [.images: catalog.images.count, .imagesForTextQueries: catalog.images.count, .captions: catalog.captions.count],
                generation: generation)
        case "postgres":
            guard let url = manifest.postgresURL, let prefix = manifest.tablePrefix else {
                throw SearchError("\(manifestFile.path): a postgres index needs postgresURL and tablePrefix")
            }
            backend = try PostgresVectorSearch(url: url, prefix: prefix, dimension: manifest.dimension)
        default:
            throw SearchError("\(manifestFile.path): unknown backend \(manifest.backend.debugDescription)")
        }
    }

    /// Writes the manifest into `folder`, flushed to disk.
    public static func writeManifest(_ manifest: IndexManifest, to folder: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try DurableFile.replace(folder.appendingPathComponent(IndexManifest.fileName), with: encoder.encode(manifest))
    }

    /// A query embedding as the stored rows expect it (with the 1 of a Euclidean index appended).
    func prepared(_ query: [Float]) -> [Float] { manifest.metric.preparedQuery(query) }

    /// Shows a committed change: the new catalogue and each set's new rows, at once.
    func publish(_ catalog: GalleryCatalog, rows: [(VectorSet, Matrix, Int)]) throws(SearchError) {
        try lock.write { () throws(SearchError) in
            for (set, vectors, start) in rows where vectors.rows > 0 { try backend.publish(vectors, in: set, from: start) }
            current = catalog
        }
    }

    /// The images best matching a text query's embedding (in the text→image space).
    public func images(matchingText query: [Float], k: Int) throws(SearchError) -> [SearchResult] {
        let set: VectorSet = backend.sets.contains(.imagesForTextQueries) ? .imagesForTextQueries : .images
        return try imageResults(prepared(query), in: set, k: k)
    }

    /// The captions best matching an image query's embedding (in the image→text space).
    public func captions(matchingImage query: [Float], k: Int) throws(SearchError) -> [SearchResult] {
        try lock.read { () throws(SearchError) in
            let catalog = current
            guard backend.sets.contains(.captions) else { return [] }  // a gallery of photos alone
            return try backend.search(prepared(query), in: .captions, k: k, visible: catalog.visibleRows(.captions)).compactMap { hit in
                guard hit.row < catalog.captions.count else { return nil }
                let caption = catalog.captions[hit.row]
                return SearchResult(kind: "caption", id: caption.id, score: hit.score, imageID: caption.imageID, text: caption.text, captions: nil)
            }
        }
    }

    /// The images most similar to an image query's embedding.
    public func images(similarToImage query: [Float], k: Int) throws(SearchError) -> [SearchResult] {
        try imageResults(prepared(query), in: .images, k: k)
    }

    /// The stored image→text-space vector of an image, for searching by an image already in the gallery.
    public func storedVector(ofImage id: String) throws(SearchError) -> [Float]? {
        try lock.read { () throws(SearchError) in
            guard let row = current.imageRow(id: id), let stored = try backend.vector(.images, row: row) else { return nil }
            return manifest.metric.embedding(ofPrepared: stored)
        }
    }

    /// The stored vectors of images in the space text queries are ranked in (rows in the order of `ids`), for
    /// judging text queries' results against the images' baselines.
    /// - Throws: ``SearchError`` when an id is not a live image of the gallery or has no stored vector.
    public func textQueryVectors(ofImages ids: [String]) throws(SearchError) -> Matrix {
        try lock.read { () throws(SearchError) in
            let set: VectorSet = backend.sets.contains(.imagesForTextQueries) ? .imagesForTextQueries : .images
            var values: [Float] = []
            values.reserveCapacity(ids.count * manifest.dimension)
            for id in ids {
                guard let row = current.imageRow(id: id), let stored = try backend.vector(set, row: row) else {
                    throw SearchError("image \(id) has no stored vector in \(folder.path)")
                }
                let vector = manifest.metric.embedding(ofPrepared: stored)
                guard vector.count == manifest.dimension else {
                    throw SearchError("image \(id) has a \(vector.count)-d vector in a \(manifest.dimension)-d index at \(folder.path)")
                }
                values += vector
            }
            do {
                return try Matrix(rows: ids.count, columns: manifest.dimension, values: values)
            } catch {
                throw SearchError("cannot gather the images' vectors: \(error)")
            }
        }
    }

    private func imageResults(_ query: [Float], in set: VectorSet, k: Int) throws(SearchError) -> [SearchResult] {
        try lock.read { () throws(SearchError) in
            let catalog = current
            return try backend.search(query, in: set, k: k, visible: catalog.visibleRows(set)).compactMap { hit in
                guard hit.row < catalog.images.count else { return nil }
                let image = catalog.images[hit.row]
                return SearchResult(
                    kind: "image", id: image.id, score: hit.score, imageID: image.id, text: nil,
                    captions: image.captionIDs.compactMap { catalog.caption(id: $0)?.text })
            }
        }
    }
}
