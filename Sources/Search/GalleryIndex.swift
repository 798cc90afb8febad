import Evaluation
import Foundation
import SafeFiles

/// What `index.json` records about an index folder.
public struct IndexManifest: Codable, Equatable, Sendable {
    /// The folder layout's version.
    public var format = 1
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

    static let fileName = "index.json"
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
}

/// An index folder opened for searching: `index.json`, `catalog.sqlite`, the vectors (in the folder or
/// in PostgreSQL) and `model/`, the run that embeds queries.
public final class GalleryIndex: Sendable {
    /// The index folder.
    public let folder: URL
    /// Its manifest.
    public let manifest: IndexManifest
    /// Ids, captions and image files.
    public let catalog: GalleryCatalog
    /// Where the vectors are searched.
    public let backend: any VectorSearchBackend

    /// The widest joint space an index may declare (the widest preset is 4,096-d).
    public static let maximumDimension = 65_536

    /// The folder holding the run that embeds queries.
    public var modelFolder: URL { folder.appendingPathComponent("model") }

    /// Opens an index folder written by `crossmodal index build`.
    public init(folder: URL) throws(SearchError) {
        let manifestFile = folder.appendingPathComponent(IndexManifest.fileName)
        guard FileManager.default.fileExists(atPath: manifestFile.path) else {
            throw SearchError("\(folder.path) is not an index: no \(IndexManifest.fileName) (build one with `crossmodal index build`)")
        }
        let data = try SearchError.read(manifestFile, maxBytes: 1 << 20)
        let manifest: IndexManifest
        do {
            manifest = try JSONDecoder().decode(IndexManifest.self, from: data)
        } catch {
            throw SearchError("\(manifestFile.path) is not a crossmodal index manifest: \(error)")
        }
        guard (1...Self.maximumDimension).contains(manifest.dimension), manifest.images >= 0, manifest.captions >= 0 else {
            throw SearchError("\(manifestFile.path): dimension \(manifest.dimension) or its counts are out of range; build the index again")
        }
        self.folder = folder
        self.manifest = manifest
        catalog = try GalleryCatalog.read(from: folder.appendingPathComponent("catalog.sqlite"))
        guard catalog.images.count == manifest.images, catalog.captions.count == manifest.captions else {
            throw SearchError("\(folder.path): the catalogue holds \(catalog.images.count) images and \(catalog.captions.count) captions, "
                + "the manifest \(manifest.images) and \(manifest.captions); build the index again")
        }
        switch manifest.backend {
        case "local":
            let local = try LocalVectorSearch(folder: folder, dimension: manifest.dimension)
            for set in local.sets where local.count(set) != (set.holdsImages ? manifest.images : manifest.captions) {
                throw SearchError("\(LocalVectorSearch.vectorFile(set, in: folder).path) holds \(local.count(set)) vectors, "
                    + "the catalogue \(set.holdsImages ? manifest.images : manifest.captions); build the index again")
            }
            backend = local
        case "postgres":
            guard let url = manifest.postgresURL, let prefix = manifest.tablePrefix else {
                throw SearchError("\(manifestFile.path): a postgres index needs postgresURL and tablePrefix")
            }
            backend = try PostgresVectorSearch(url: url, prefix: prefix, dimension: manifest.dimension)
        default:
            throw SearchError("\(manifestFile.path): unknown backend \(manifest.backend.debugDescription)")
        }
    }

    /// Writes the manifest into `folder`.
    public static func writeManifest(_ manifest: IndexManifest, to folder: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try encoder.encode(manifest).write(to: folder.appendingPathComponent(IndexManifest.fileName), options: .atomic)
    }

    /// A query embedding as the stored rows expect it (with the 1 of a Euclidean index appended).
    func prepared(_ query: [Float]) -> [Float] { manifest.metric.preparedQuery(query) }

    /// The images best matching a text query's embedding (in the text→image space).
    public func images(matchingText query: [Float], k: Int) throws(SearchError) -> [SearchResult] {
        let set: VectorSet = backend.sets.contains(.imagesForTextQueries) ? .imagesForTextQueries : .images
        return try backend.search(prepared(query), in: set, k: k).compactMap(imageResult)
    }

    /// The captions best matching an image query's embedding (in the image→text space).
    public func captions(matchingImage query: [Float], k: Int) throws(SearchError) -> [SearchResult] {
        try backend.search(prepared(query), in: .captions, k: k).compactMap { hit in
            guard hit.row < catalog.captions.count else { return nil }
            let caption = catalog.captions[hit.row]
            return SearchResult(kind: "caption", id: caption.id, score: hit.score, imageID: caption.imageID, text: caption.text, captions: nil)
        }
    }

    /// The images most similar to an image query's embedding.
    public func images(similarToImage query: [Float], k: Int) throws(SearchError) -> [SearchResult] {
        try backend.search(prepared(query), in: .images, k: k).compactMap(imageResult)
    }

    /// The stored image→text-space vector of an image, for searching by an image already in the gallery.
    public func storedVector(ofImage id: String) throws(SearchError) -> [Float]? {
        guard let row = catalog.imageRow(id: id), let stored = try backend.vector(.images, row: row) else { return nil }
        return manifest.metric.embedding(ofPrepared: stored)
    }

    private func imageResult(_ hit: SearchHit) -> SearchResult? {
        guard hit.row < catalog.images.count else { return nil }
        let image = catalog.images[hit.row]
        return SearchResult(
            kind: "image", id: image.id, score: hit.score, imageID: image.id, text: nil,
            captions: image.captionIDs.compactMap { catalog.caption(id: $0)?.text })
    }
}
