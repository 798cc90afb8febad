import Evaluation
import Foundation
import Numerics
import SafeFiles

/// A new image for a gallery: its id, file, content hash, vectors and captions.
public struct NewGalleryImage: Sendable {
    /// The image id (unique among the gallery's images).
    public var id: String
    /// The image file, absolute.
    public var path: String
    /// A hash of the file's bytes.
    public var contentHash: String?
    /// Its embedding in each image set the index holds (not yet prepared for the metric).
    public var vectors: [VectorSet: [Float]]
    /// Its captions: id, text and embedding in the captions set's space.
    public var captions: [(id: String, text: String, vector: [Float])]
    /// When it was taken (``GalleryImage/taken``).
    public var taken: Double?

    /// Creates a new image.
    public init(
        id: String, path: String, contentHash: String?, vectors: [VectorSet: [Float]], captions: [(id: String, text: String, vector: [Float])] = [],
        taken: Double? = nil
    ) {
        self.id = id
        self.path = path
        self.contentHash = contentHash
        self.vectors = vectors
        self.captions = captions
        self.taken = taken
    }
}

/// Adds images to an open index and removes them, durably and without disturbing searches.
///
/// One writer per index at a time (an exclusive `flock` on `write.lock`; a second writer gets a clear
/// error). A change is acknowledged (the call returns) only once it is on disk, in this order:
///
/// 1. the new vector rows are appended to each set and flushed (`fsync`), or inserted into PostgreSQL
///    in one transaction; until step 2 they are invisible, because the catalogue does not name them;
/// 2. the catalogue's SQLite transaction commits the new rows (or marks removed ones): **the commit point**;
/// 3. the change is published to searches in this process under the index's write lock;
/// 4. `index.json` is replaced (its counts are for people; readers trust the catalogue).
///
/// A crash before step 2 leaves vector rows beyond the catalogue, which readers ignore and the next writer
/// cuts off (``VectorSearchBackend/recover(_:committed:removed:)``); a crash after it loses nothing.
/// HNSW graphs are caches: saved every ``graphSaveInterval`` additions and on ``close()``, caught up on opening.
public final class GalleryWriter {
    /// The index being written.
    public let index: GalleryIndex
    private let writeLock: ExclusiveLock
    private let database: SQLiteDatabase
    private var additionsSinceGraphSave = 0
    /// Additions between two saves of the HNSW graphs.
    public var graphSaveInterval = 1000

    /// Takes the index's write lock, re-reads its catalogue and repairs what a crashed writer left.
    public init(index: GalleryIndex) throws(SearchError) {
        self.index = index
        do {
            writeLock = try ExclusiveLock(index.folder.appendingPathComponent("write.lock"))
        } catch {
            throw SearchError(error.message)
        }
        database = try SQLiteDatabase(path: index.catalogFile.path, readOnly: false)
        let fresh = try GalleryCatalog.read(from: database)
        let opened = index.catalog
        guard fresh.images.count == opened.images.count, fresh.captions.count == opened.captions.count,
            fresh.removedImageRows == opened.removedImageRows
        else {
            throw SearchError("\(index.folder.path) changed since it was opened (another writer); open it again")
        }
        let columns = try database.rows("SELECT name FROM pragma_table_info('images')").compactMap { $0.first ?? nil }
        if !columns.contains("removed") { try Self.upgradeCatalog(database) }
        let upgraded = try database.rows("SELECT name FROM pragma_table_info('images')").compactMap { $0.first ?? nil }
        if !upgraded.contains("taken") { try database.execute("ALTER TABLE images ADD COLUMN taken REAL;") }
        try database.execute(GalleryCatalog.excludedSchema)
        for set in index.backend.sets {
            let visible = opened.visibleRows(set)
            try index.backend.recover(set, committed: visible.count, removed: visible.removed)
        }
        try GalleryFiles.removeStale(in: index.folder, keeping: index.manifest.generation ?? 0)
    }

    /// An index of format 1 had unique ids and no removals: its tables gain the new columns and lose the
    /// id constraint for one that applies to live rows only.
    private static func upgradeCatalog(_ database: SQLiteDatabase) throws(SearchError) {
        try database.transaction { () throws(SearchError) in
            try database.execute("""
                ALTER TABLE images RENAME TO images_v1;
                ALTER TABLE captions RENAME TO captions_v1;
                DROP INDEX IF EXISTS captions_by_image;
                \(GalleryCatalog.schema)
                INSERT INTO images (row, id, path) SELECT row, id, path FROM images_v1;
                INSERT INTO captions (row, id, image_id, text) SELECT row, id, image_id, text FROM captions_v1;
                DROP TABLE images_v1;
                DROP TABLE captions_v1;
                """)
        }
    }

    /// Adds images (with their captions) as one change: all of them are in the gallery when this returns,
    /// or none (after an error or a crash). An id a user had taken out is taken back in.
    ///
    /// - Complexity: O(items · d) plus, with HNSW graphs, about O(items · efConstruction · log n · d).
    public func add(_ items: [NewGalleryImage]) throws(SearchError) {
        guard !items.isEmpty else { return }
        let before = index.catalog
        var after = before
        try after.append(
            images: items.map { GalleryImage(id: $0.id, path: $0.path, captionIDs: [], contentHash: $0.contentHash, taken: $0.taken) },
            captions: items.flatMap { item in item.captions.map { GalleryCaption(id: $0.id, imageID: item.id, text: $0.text) } })
        let readmitted = items.map(\.id).filter { before.excludedImageIDs.contains($0) }
        after.excludedImageIDs.subtract(readmitted)
        let metric = index.manifest.metric
        let width = index.manifest.dimension
        var published: [(VectorSet, Matrix, Int)] = []
        for set in index.backend.sets {
            let rows: [[Float]]
            let ids: [String]
            let labels: [String]
            if set.holdsImages {
                rows = try items.map { item throws(SearchError) in
                    guard let vector = item.vectors[set] else { throw SearchError("image \(item.id) has no \(set.rawValue) vector") }
                    return vector
                }
                ids = items.map(\.id)
                labels = items.map(\.path)
            } else {
                rows = items.flatMap { $0.captions.map(\.vector) }
                ids = items.flatMap { $0.captions.map(\.id) }
                labels = items.flatMap { $0.captions.map(\.text) }
            }
            guard rows.allSatisfy({ metric.preparedWidth($0.count) == width }) else {
                throw SearchError("a \(set.rawValue) vector does not fit this \(width)-wide index (was it embedded with another run?)")
            }
            guard !rows.isEmpty else { continue }
            let raw: Matrix
            do {
                raw = try Matrix(rows: rows.count, columns: rows[0].count, values: rows.flatMap { $0 })
            } catch {
                throw SearchError(error.message)
            }
            let prepared = metric.preparedGallery(raw)
            let start = set.holdsImages ? before.images.count : before.captions.count
            try index.backend.store(prepared, in: set, from: start, ids: ids, labels: labels)
            published.append((set, prepared, start))
        }
        try database.transaction { () throws(SearchError) in
            try after.insertRows(into: database, imagesFrom: before.images.count, captionsFrom: before.captions.count)
            try database.run("DELETE FROM excluded WHERE id = ?", rows: readmitted.map { [.text($0)] })
        }
        try index.publish(after, rows: published)
        additionsSinceGraphSave += items.count
        if additionsSinceGraphSave >= graphSaveInterval { try saveGraphs() }
        try updateManifest(after)
    }

    /// Removes images and their captions; ids not in the gallery are ignored.
    ///
    /// - Parameter exclude: the removal is a user's (`index remove`, an API deletion): the ids are recorded
    ///   so that a refresh of the photo folder does not bring them back. A refresh replacing a changed file
    ///   or pruning a deleted one passes false.
    /// - Returns: the ids that were removed.
    @discardableResult
    public func remove(imageIDs: [String], exclude: Bool = true) throws(SearchError) -> [String] {
        let before = index.catalog
        var after = before
        let present = imageIDs.filter { before.image(id: $0) != nil }
        guard !present.isEmpty else { return [] }
        let (imageRows, captionRows) = after.remove(imageIDs: present)
        if exclude { after.excludedImageIDs.formUnion(present) }
        try database.transaction { () throws(SearchError) in
            try database.run("UPDATE images SET removed = 1 WHERE row = ?", rows: imageRows.map { [.integer($0)] })
            try database.run("UPDATE captions SET removed = 1 WHERE row = ?", rows: captionRows.map { [.integer($0)] })
            if exclude { try database.run("INSERT OR IGNORE INTO excluded (id) VALUES (?)", rows: present.map { [.text($0)] }) }
        }
        try index.publish(after, rows: [])
        for set in index.backend.sets { try index.backend.forget(rows: set.holdsImages ? imageRows : captionRows, in: set) }
        try updateManifest(after)
        return present
    }

    /// Saves grown HNSW graphs (a cache: skipping this loses nothing but time on the next opening).
    public func saveGraphs() throws(SearchError) {
        additionsSinceGraphSave = 0
        guard let local = index.backend as? LocalVectorSearch else { return }
        try index.lock.write { () throws(SearchError) in try local.saveGrownGraphs() }
    }

    /// Rewrites a local index without its removed rows, as the next generation of files; the manifest's
    /// replacement switches to it, so a crash before leaves the old index and one after the new. The old
    /// files are then deleted. This writer (and its index) must not be used afterwards: open the index again.
    ///
    /// - Returns: the rows dropped (images, captions); nil for a PostgreSQL index, which deletes removed rows
    ///   as they go (`VACUUM` reclaims their space).
    /// - Complexity: O(items · d), plus the HNSW builds.
    public func compact() throws(SearchError) -> (images: Int, captions: Int)? {
        guard let local = index.backend as? LocalVectorSearch else { return nil }
        let old = index.catalog
        let generation = (index.manifest.generation ?? 0) + 1
        let liveImages = old.images.indices.filter { !old.images[$0].removed }
        let liveCaptions = old.captions.indices.filter { !old.captions[$0].removed }
        var catalog = try GalleryCatalog(images: liveImages.map { old.images[$0] }, captions: liveCaptions.map { old.captions[$0] })
        catalog.excludedImageIDs = old.excludedImageIDs
        try catalog.write(to: GalleryIndex.catalogFile(in: index.folder, generation: generation))
        for set in local.sets {
            let rows = set.holdsImages ? liveImages : liveCaptions
            var values: [Float] = []
            values.reserveCapacity(rows.count * local.dimension)
            for row in rows { values += try local.vector(set, row: row) ?? [] }
            let matrix: Matrix
            do {
                matrix = try Matrix(rows: rows.count, columns: local.dimension, values: values)
            } catch {
                throw SearchError(error.message)
            }
            try LocalVectorSearch.write(matrix, set: set, to: index.folder, graph: local.isApproximate(set), generation: generation)
        }
        try updateManifest(catalog, generation: generation)
        try GalleryFiles.removeStale(in: index.folder, keeping: generation)
        writeLock.unlock()
        return (old.images.count - liveImages.count, old.captions.count - liveCaptions.count)
    }

    /// Saves the graphs and releases the write lock.
    public func close() throws(SearchError) {
        try saveGraphs()
        writeLock.unlock()
    }

    /// Replaces `index.json` with the live counts of `catalog` (and, after a compaction, its generation).
    private func updateManifest(_ catalog: GalleryCatalog, generation: Int? = nil) throws(SearchError) {
        var manifest = index.manifest
        if let generation { manifest.generation = generation }
        manifest.images = catalog.liveImageCount
        manifest.captions = catalog.liveCaptionCount
        do {
            try GalleryIndex.writeManifest(manifest, to: index.folder)
        } catch {
            throw SearchError("\(index.folder.path): cannot update \(IndexManifest.fileName): \(error)")
        }
    }
}

/// The files of an index folder by generation.
enum GalleryFiles {
    /// Deletes catalogue, vector and graph files of generations other than `generation` (what a compaction
    /// interrupted before or after its switch left behind), and temporary files of interrupted writes.
    static func removeStale(in folder: URL, keeping generation: Int) throws(SearchError) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        var wanted: Set<String> = [GalleryIndex.catalogFile(in: folder, generation: generation).lastPathComponent]
        for set in VectorSet.allCases {
            wanted.insert(LocalVectorSearch.vectorFile(set, in: folder, generation: generation).lastPathComponent)
            wanted.insert(LocalVectorSearch.graphFile(set, in: folder, generation: generation).lastPathComponent)
        }
        for name in names where !wanted.contains(name) {
            let isIndexFile = name.hasPrefix("catalog") && name.hasSuffix(".sqlite")
                || VectorSet.allCases.contains { name.hasPrefix($0.rawValue + ".") && (name.hasSuffix(".f32") || name.hasSuffix(".hnsw")) }
            let isTemporary = name.hasPrefix(".") && (name.hasSuffix(".writing") || name.hasSuffix(".saving"))
            guard isIndexFile || isTemporary else { continue }
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
    }
}
