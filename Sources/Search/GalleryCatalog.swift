import Foundation

/// An image of a gallery: its id, the file it was read from, and the ids of its captions.
public struct GalleryImage: Codable, Equatable, Sendable {
    /// The image id (the dataset's file name for Flickr).
    public var id: String
    /// The image file, absolute.
    public var path: String
    /// Ids of the image's captions in the gallery.
    public var captionIDs: [String]
    /// A hash of the file's bytes, for galleries of plain folders (a rebuild re-embeds only changed files).
    public var contentHash: String?
    /// True once the image was removed; its row stays (vectors are append-only) until `index compact`.
    public var removed: Bool
    /// When the photo was taken, in seconds since 1970 (its EXIF date read as UTC, else its file's modification
    /// time); nil for images of a dataset and of indexes built before dates were recorded.
    public var taken: Double?

    /// Creates an image entry.
    public init(id: String, path: String, captionIDs: [String], contentHash: String? = nil, removed: Bool = false, taken: Double? = nil) {
        self.id = id
        self.path = path
        self.captionIDs = captionIDs
        self.contentHash = contentHash
        self.removed = removed
        self.taken = taken
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
    /// True once the caption (or its image) was removed.
    public var removed: Bool

    /// Creates a caption entry.
    public init(id: String, imageID: String, text: String, removed: Bool = false) {
        self.id = id
        self.imageID = imageID
        self.text = text
        self.removed = removed
    }
}

/// What an index knows about its items besides their vectors, kept in `catalog.sqlite`: images and
/// captions in vector-row order, removed ones included (their rows stay until `index compact`).
///
/// The catalogue is the index's commit point: an item exists once the SQLite transaction that inserts
/// its row commits (after its vectors are on disk); a vector row beyond the catalogue's rows is a crashed
/// writer's leftover and is ignored.
public struct GalleryCatalog: Sendable {
    /// Images, row i being vector row i.
    public private(set) var images: [GalleryImage]
    /// Captions, row i being vector row i.
    public private(set) var captions: [GalleryCaption]
    private var imageRows: [String: Int]
    private var captionRows: [String: Int]
    /// Rows of removed images.
    public private(set) var removedImageRows: Set<Int> = []
    /// Rows of removed captions.
    public private(set) var removedCaptionRows: Set<Int> = []
    /// Ids of images a user took out (`index remove`, `DELETE /api/images/{id}`): a refresh of the photo
    /// folder does not bring them back; adding one explicitly does. They outlive `index compact`.
    public internal(set) var excludedImageIDs: Set<String> = []

    /// A catalogue of the given items; ids must be unique among the items not removed.
    public init(images: [GalleryImage], captions: [GalleryCaption]) throws(SearchError) {
        self.images = []
        self.captions = []
        imageRows = [:]
        captionRows = [:]
        try append(images: images, captions: captions)
    }

    /// Images not removed.
    public var liveImageCount: Int { images.count - removedImageRows.count }
    /// Captions not removed.
    public var liveCaptionCount: Int { captions.count - removedCaptionRows.count }

    /// The image with this id, if any (and not removed).
    public func image(id: String) -> GalleryImage? { imageRows[id].map { images[$0] } }

    /// The vector row of the image with this id, if any (and not removed).
    public func imageRow(id: String) -> Int? { imageRows[id] }

    /// The caption with this id, if any (and not removed).
    public func caption(id: String) -> GalleryCaption? { captionRows[id].map { captions[$0] } }

    /// The vector row of the caption with this id, if any (and not removed).
    public func captionRow(id: String) -> Int? { captionRows[id] }

    /// The rows a set shows to searches: all committed rows but the removed ones.
    public func visibleRows(_ set: VectorSet) -> VisibleRows {
        set.holdsImages ? VisibleRows(count: images.count, removed: removedImageRows) : VisibleRows(count: captions.count, removed: removedCaptionRows)
    }

    /// Adds items after the existing rows; a live id may not appear twice. An image's caption ids are
    /// rebuilt from the captions that name it, in row order.
    mutating func append(images newImages: [GalleryImage], captions newCaptions: [GalleryCaption]) throws(SearchError) {
        var copy = self
        // Room for all of them at once: a million-row catalogue otherwise rehashes its id tables about twenty times.
        if !copy.images.isEmpty { copy.images.reserveCapacity(copy.images.count + newImages.count) }
        copy.imageRows.reserveCapacity(copy.imageRows.count + newImages.count)
        copy.captions.reserveCapacity(copy.captions.count + newCaptions.count)
        copy.captionRows.reserveCapacity(copy.captionRows.count + newCaptions.count)
        let firstNew = copy.images.count
        // Taken whole when the catalogue is empty (opening one): the array is shared, not copied, unless an
        // image must change below.
        if copy.images.isEmpty { copy.images = newImages } else { copy.images.append(contentsOf: newImages) }
        for (row, image) in zip(firstNew..., newImages) {
            if image.removed {
                copy.removedImageRows.insert(row)
            } else {
                guard copy.imageRows.updateValue(row, forKey: image.id) == nil else { throw SearchError("image id \(image.id) appears twice") }
                if !image.captionIDs.isEmpty { copy.images[row].captionIDs = [] }
            }
        }
        for caption in newCaptions {
            let row = copy.captions.count
            copy.captions.append(caption)
            if caption.removed {
                copy.removedCaptionRows.insert(row)
                continue
            }
            guard copy.captionRows.updateValue(row, forKey: caption.id) == nil else { throw SearchError("caption id \(caption.id) appears twice") }
            if let imageRow = copy.imageRows[caption.imageID] { copy.images[imageRow].captionIDs.append(caption.id) }
        }
        self = copy
    }

    /// Marks images (and their captions) removed; ids not in the catalogue are ignored.
    ///
    /// - Returns: the rows of the images and captions removed.
    mutating func remove(imageIDs: [String]) -> (images: [Int], captions: [Int]) {
        var imageRowsRemoved: [Int] = []
        var captionRowsRemoved: [Int] = []
        for id in imageIDs {
            guard let row = imageRows.removeValue(forKey: id) else { continue }
            images[row].removed = true
            removedImageRows.insert(row)
            imageRowsRemoved.append(row)
            for captionID in images[row].captionIDs {
                guard let captionRow = captionRows.removeValue(forKey: captionID) else { continue }
                captions[captionRow].removed = true
                removedCaptionRows.insert(captionRow)
                captionRowsRemoved.append(captionRow)
            }
        }
        return (imageRowsRemoved, captionRowsRemoved)
    }

    static let schema = """
        CREATE TABLE images (row INTEGER PRIMARY KEY, id TEXT NOT NULL, path TEXT NOT NULL, hash TEXT, removed INTEGER NOT NULL DEFAULT 0, taken REAL);
        CREATE TABLE captions (row INTEGER PRIMARY KEY, id TEXT NOT NULL, image_id TEXT NOT NULL, text TEXT NOT NULL, removed INTEGER NOT NULL DEFAULT 0);
        CREATE UNIQUE INDEX live_images ON images(id) WHERE removed = 0;
        CREATE UNIQUE INDEX live_captions ON captions(id) WHERE removed = 0;
        CREATE INDEX captions_by_image ON captions(image_id);
        """ + excludedSchema

    /// The table of ids a user took out (added to older catalogues when a writer opens them).
    static let excludedSchema = "CREATE TABLE IF NOT EXISTS excluded (id TEXT PRIMARY KEY);\n"

    /// Writes the catalogue to a new database file (replacing one that exists), flushed to disk.
    public func write(to url: URL) throws(SearchError) {
        try? FileManager.default.removeItem(at: url)
        let database = try SQLiteDatabase(path: url.path, readOnly: false)
        try database.execute(Self.schema)
        try database.transaction { () throws(SearchError) in
            try insertRows(into: database, imagesFrom: 0, captionsFrom: 0)
            try database.run("INSERT INTO excluded (id) VALUES (?)", rows: excludedImageIDs.sorted().map { [.text($0)] })
        }
    }

    /// Inserts the rows from the given positions on (inside the caller's transaction).
    func insertRows(into database: SQLiteDatabase, imagesFrom: Int, captionsFrom: Int) throws(SearchError) {
        try database.run(
            "INSERT INTO images (row, id, path, hash, removed, taken) VALUES (?, ?, ?, ?, ?, ?)",
            rows: images[imagesFrom...].indices.map { row in
                let image = images[row]
                return [
                    .integer(row), .text(image.id), .text(image.path), image.contentHash.map { .text($0) } ?? .null, .integer(image.removed ? 1 : 0),
                    image.taken.map { .real($0) } ?? .null,
                ]
            })
        try database.run(
            "INSERT INTO captions (row, id, image_id, text, removed) VALUES (?, ?, ?, ?, ?)",
            rows: captions[captionsFrom...].indices.map { row in
                let caption = captions[row]
                return [.integer(row), .text(caption.id), .text(caption.imageID), .text(caption.text), .integer(caption.removed ? 1 : 0)]
            })
    }

    /// Reads a catalogue written by ``write(to:)`` (or by an index of format 1, which had no removals).
    ///
    /// - Complexity: O(items).
    public static func read(from url: URL) throws(SearchError) -> GalleryCatalog {
        guard FileManager.default.fileExists(atPath: url.path) else { throw SearchError("\(url.path) is missing") }
        // Opened for writing when the file allows it: a writer killed inside its transaction leaves a hot
        // journal, which only a connection that may write rolls back; a read-only one could not read at all.
        let database: SQLiteDatabase
        if let writable = try? SQLiteDatabase(path: url.path, readOnly: false, create: false) {
            database = writable
        } else {
            database = try SQLiteDatabase(path: url.path, readOnly: true)
        }
        return try read(from: database)
    }

    /// The number of rows of a table, to reserve room before reading them (at most 10⁹: a larger count is a
    /// damaged file, and is only not reserved for).
    private static func count(_ table: String, in database: SQLiteDatabase) throws(SearchError) -> Int {
        let value = try database.rows("SELECT count(*) FROM \(table)").first?.first.flatMap { $0 }.flatMap { Int($0) } ?? 0
        return (0...1_000_000_000).contains(value) ? value : 0
    }

    static func read(from database: SQLiteDatabase) throws(SearchError) -> GalleryCatalog {
        let columns = try database.rows("SELECT name FROM pragma_table_info('images')").compactMap { $0.first ?? nil }
        let version2 = columns.contains("removed")
        let dated = columns.contains("taken")
        // Rows must be 0, 1, 2 …: they index the vector files. Read one at a time into the items themselves
        // (a million rows of strings collected first would hold the catalogue twice).
        func numbered(_ row: SQLiteRow, _ position: Int, _ kind: String) throws(SearchError) {
            guard row.integer(0) == position, !row.isNull(0) else {
                throw SearchError("\(database.path): \(kind) rows are not numbered 0, 1, 2 … (row \(position) is \(row.text(0) ?? "NULL")); build the index again")
            }
        }
        var captions: [GalleryCaption] = []
        captions.reserveCapacity(try count("captions", in: database))
        try database.forEachRow(
            version2 ? "SELECT row, id, image_id, text, removed FROM captions ORDER BY row" : "SELECT row, id, image_id, text, 0 FROM captions ORDER BY row"
        ) { (row) throws(SearchError) in
            try numbered(row, captions.count, "caption")
            captions.append(GalleryCaption(id: row.text(1) ?? "", imageID: row.text(2) ?? "", text: row.text(3) ?? "", removed: row.text(4) != "0"))
        }
        var images: [GalleryImage] = []
        images.reserveCapacity(try count("images", in: database))
        try database.forEachRow(
            version2
                ? "SELECT row, id, path, hash, removed, \(dated ? "taken" : "NULL") FROM images ORDER BY row"
                : "SELECT row, id, path, NULL, 0, NULL FROM images ORDER BY row"
        ) { (row) throws(SearchError) in
            try numbered(row, images.count, "image")
            images.append(GalleryImage(
                id: row.text(1) ?? "", path: row.text(2) ?? "", captionIDs: [], contentHash: row.text(3), removed: row.text(4) != "0",
                taken: row.text(5).flatMap(Double.init).flatMap { $0.isFinite ? $0 : nil }))
        }
        var catalog = try GalleryCatalog(images: images, captions: captions)
        let hasExcluded = try !database.rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'excluded'").isEmpty
        if hasExcluded { catalog.excludedImageIDs = Set(try database.rows("SELECT id FROM excluded").compactMap { $0.first ?? nil }) }
        return catalog
    }
}
