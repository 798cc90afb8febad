import Foundation

/// An image of a gallery: its id, the file it was read from, and the ids of its captions.
public struct GalleryImage: Codable, Equatable, Sendable {
    /// The image id (the dataset's file name for Flickr).
    public var id: String
    /// The image file, absolute.
    public var path: String
    /// Ids of the image's captions in the gallery.
    public var captionIDs: [String]

    /// Creates an image entry.
    public init(id: String, path: String, captionIDs: [String]) {
        self.id = id
        self.path = path
        self.captionIDs = captionIDs
    }
}

/// A caption of a gallery.
public struct GalleryCaption: Codable, Equatable, Sendable {
    /// `<image id>#<n>`.
    public var id: String
    /// The image the caption describes.
    public var imageID: String
    /// The caption text.
    public var text: String

    /// Creates a caption entry.
    public init(id: String, imageID: String, text: String) {
        self.id = id
        self.imageID = imageID
        self.text = text
    }
}

/// What an index knows about its items besides their vectors, kept in `catalog.sqlite`: images and
/// captions in vector-row order.
public struct GalleryCatalog: Sendable {
    /// Images, row i being vector row i.
    public let images: [GalleryImage]
    /// Captions, row i being vector row i.
    public let captions: [GalleryCaption]
    private let imageRows: [String: Int]
    private let captionRows: [String: Int]

    /// A catalogue of the given items; ids must be unique within each kind.
    public init(images: [GalleryImage], captions: [GalleryCaption]) throws(SearchError) {
        var imageRows: [String: Int] = [:]
        for (row, image) in images.enumerated() {
            guard imageRows.updateValue(row, forKey: image.id) == nil else { throw SearchError("image id \(image.id) appears twice") }
        }
        var captionRows: [String: Int] = [:]
        for (row, caption) in captions.enumerated() {
            guard captionRows.updateValue(row, forKey: caption.id) == nil else { throw SearchError("caption id \(caption.id) appears twice") }
        }
        self.images = images
        self.captions = captions
        self.imageRows = imageRows
        self.captionRows = captionRows
    }

    /// The image with this id, if any.
    public func image(id: String) -> GalleryImage? { imageRows[id].map { images[$0] } }

    /// The vector row of the image with this id, if any.
    public func imageRow(id: String) -> Int? { imageRows[id] }

    /// The caption with this id, if any.
    public func caption(id: String) -> GalleryCaption? { captionRows[id].map { captions[$0] } }

    /// Writes `catalog.sqlite`-style tables to a new database file (replacing one that exists).
    public func write(to url: URL) throws(SearchError) {
        try? FileManager.default.removeItem(at: url)
        let database = try SQLiteDatabase(path: url.path, readOnly: false)
        try database.execute("""
            CREATE TABLE images (row INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, path TEXT NOT NULL);
            CREATE TABLE captions (row INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, image_id TEXT NOT NULL, text TEXT NOT NULL);
            CREATE INDEX captions_by_image ON captions(image_id);
            """)
        try database.insert(
            "INSERT INTO images (row, id, path) VALUES (?, ?, ?)",
            rows: images.enumerated().map { [.integer($0), .text($1.id), .text($1.path)] })
        try database.insert(
            "INSERT INTO captions (row, id, image_id, text) VALUES (?, ?, ?, ?)",
            rows: captions.enumerated().map { [.integer($0), .text($1.id), .text($1.imageID), .text($1.text)] })
    }

    /// Reads a catalogue written by ``write(to:)``.
    ///
    /// - Complexity: O(items).
    public static func read(from url: URL) throws(SearchError) -> GalleryCatalog {
        guard FileManager.default.fileExists(atPath: url.path) else { throw SearchError("\(url.path) is missing") }
        let database = try SQLiteDatabase(path: url.path, readOnly: true)
        let captionRows = try database.rows("SELECT id, image_id, text FROM captions ORDER BY row")
        let captions = captionRows.map { GalleryCaption(id: $0[0] ?? "", imageID: $0[1] ?? "", text: $0[2] ?? "") }
        var captionsOf: [String: [String]] = [:]
        for caption in captions { captionsOf[caption.imageID, default: []].append(caption.id) }
        let images = try database.rows("SELECT id, path FROM images ORDER BY row").map {
            GalleryImage(id: $0[0] ?? "", path: $0[1] ?? "", captionIDs: captionsOf[$0[0] ?? ""] ?? [])
        }
        return try GalleryCatalog(images: images, captions: captions)
    }
}
