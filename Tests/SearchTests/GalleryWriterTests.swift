import Dispatch
import Evaluation
import Foundation
import Numerics
@testable import Search
import TestSupport
import Testing

/// A small gallery: `images` images with one caption each, vectors random unit rows of `width`.
struct SmallGallery {
    let folder: URL
    let width: Int

    init(images: Int, width: Int = 8, backend: GalleryIndexWriter.Backend = .local(hnswThreshold: .max, alwaysHNSW: false)) throws {
        folder = try temporaryFolder()
        self.width = width
        let catalog = try GalleryCatalog(
            images: (0..<images).map { GalleryImage(id: "img\($0)", path: "/photos/img\($0).jpg", captionIDs: []) },
            captions: (0..<images).map { GalleryCaption(id: "img\($0)#0", imageID: "img\($0)", text: "caption of img\($0)") })
        _ = try GalleryIndexWriter(folder: folder, backend: backend).write(
            catalog: catalog, sets: [(.images, unitRows(images, width, seed: 1)), (.captions, unitRows(images, width, seed: 2))],
            metric: .innerProduct, source: ("test", "dev", "run"))
    }

    /// A new image with one caption, its vectors drawn from `seed`.
    func item(_ id: String, seed: UInt64) -> NewGalleryImage {
        NewGalleryImage(
            id: id, path: "/photos/\(id).jpg", contentHash: "h\(seed)", vectors: [.images: unitRows(1, width, seed: seed).values],
            captions: [(id: "\(id)#0", text: "caption of \(id)", vector: unitRows(1, width, seed: seed + 1000).values)])
    }

    func remove() { try? FileManager.default.removeItem(at: folder) }
}

/// The ids of a set's rows, best first, by brute force over the live rows of a catalogue.
func bruteForce(_ index: GalleryIndex, _ query: [Float], k: Int) throws -> [String] {
    let catalog = index.catalog
    let live = catalog.images.indices.filter { !catalog.images[$0].removed }
    let scores = try live.map { row -> (String, Float) in
        let vector = try #require(try index.backend.vector(.images, row: row))
        return (catalog.images[row].id, zip(vector, query).reduce(0) { $0 + $1.0 * $1.1 })
    }
    return scores.sorted { $0.1 > $1.1 }.prefix(k).map(\.0)
}

@Suite struct GalleryWriterTests {
    @Test func idsAUserRemovedStayOutThroughReopeningAndCompaction() throws {
        let gallery = try SmallGallery(images: 6)
        defer { gallery.remove() }
        do {
            let writer = try GalleryWriter(index: try GalleryIndex(folder: gallery.folder))
            try writer.remove(imageIDs: ["img1"])  // a user's removal
            try writer.remove(imageIDs: ["img2"], exclude: false)  // a refresh replacing or pruning a file
            try writer.close()
        }
        #expect(try GalleryIndex(folder: gallery.folder).catalog.excludedImageIDs == ["img1"])
        do {
            let writer = try GalleryWriter(index: try GalleryIndex(folder: gallery.folder))
            #expect(try writer.compact() != nil)
        }
        var catalog = try GalleryIndex(folder: gallery.folder).catalog
        #expect(catalog.excludedImageIDs == ["img1"] && catalog.images.count == 4)
        do {
            let writer = try GalleryWriter(index: try GalleryIndex(folder: gallery.folder))
            try writer.add([gallery.item("img1", seed: 70)])  // added explicitly: back in
            try writer.close()
        }
        catalog = try GalleryIndex(folder: gallery.folder).catalog
        #expect(catalog.excludedImageIDs.isEmpty && catalog.image(id: "img1") != nil)
    }

    @Test func additionsAndRemovalsSurviveReopening() throws {
        let gallery = try SmallGallery(images: 20)
        defer { gallery.remove() }
        do {
            let writer = try GalleryWriter(index: try GalleryIndex(folder: gallery.folder))
            try writer.add([gallery.item("new1", seed: 50), gallery.item("new2", seed: 51)])
            #expect(try writer.remove(imageIDs: ["img3", "new1", "absent"]) == ["img3", "new1"])
            #expect(throws: SearchError.self) { try writer.add([gallery.item("img4", seed: 52)]) }  // a live id
            try writer.add([gallery.item("img3", seed: 53)])  // a removed id may come back
            try writer.close()
        }
        let index = try GalleryIndex(folder: gallery.folder)
        let catalog = index.catalog
        #expect(catalog.images.count == 23)
        #expect(catalog.liveImageCount == 21)
        #expect(catalog.image(id: "new1") == nil)
        #expect(catalog.image(id: "new2")?.captionIDs == ["new2#0"])
        #expect(catalog.image(id: "img3")?.contentHash == "h53")
        #expect(catalog.caption(id: "img3#0")?.text == "caption of img3")
        for seed in 0..<5 as Range<UInt64> {
            let query = unitRows(1, 8, seed: 900 + seed).values
            let found = try index.images(similarToImage: query, k: 30).map(\.id)
            #expect(found == (try bruteForce(index, query, k: 30)))
            #expect(found.count == 21)
            #expect(!found.contains("new1"))
            let captions = try index.captions(matchingImage: query, k: 30)
            #expect(captions.count == 21)
            #expect(Set(captions.map(\.imageID)) == Set(found))
        }
        let manifest = try JSONDecoder().decode(IndexManifest.self, from: Data(contentsOf: gallery.folder.appendingPathComponent("index.json")))
        #expect(manifest.images == 21)
    }

    @Test func rowsACrashedWriterLeftAreIgnoredThenCut() throws {
        let gallery = try SmallGallery(images: 10)
        defer { gallery.remove() }
        let file = LocalVectorSearch.vectorFile(.images, in: gallery.folder)
        let committed = try Data(contentsOf: file).count
        // A writer killed after flushing two vector rows, before its catalogue transaction.
        let handle = try FileHandle(forWritingTo: file)
        try handle.seekToEnd()
        try handle.write(contentsOf: unitRows(2, 8, seed: 77).values.withUnsafeBufferPointer { Data(buffer: $0) } + Data([1, 2, 3]))
        try handle.close()
        let index = try GalleryIndex(folder: gallery.folder)
        #expect(index.catalog.images.count == 10)
        #expect(try index.images(similarToImage: unitRows(1, 8, seed: 3).values, k: 50).count == 10)
        let writer = try GalleryWriter(index: index)
        #expect(try Data(contentsOf: file).count == committed)
        try writer.add([gallery.item("after", seed: 60)])
        try writer.close()
        let reopened = try GalleryIndex(folder: gallery.folder)
        let vector = try #require(try reopened.backend.vector(.images, row: 10))
        #expect(vector == unitRows(1, 8, seed: 60).values)
        // A catalogue that names more rows than the file holds is an error, not a crash.
        try Data(try Data(contentsOf: file).prefix(8 * 4 * 5)).write(to: file)
        #expect(throws: SearchError.self) { try GalleryIndex(folder: gallery.folder) }
    }

    @Test func graphsCatchUpAndSkipRemovedRows() throws {
        let gallery = try SmallGallery(images: 300, backend: .local(hnswThreshold: 1, alwaysHNSW: true))
        defer { gallery.remove() }
        do {
            let writer = try GalleryWriter(index: try GalleryIndex(folder: gallery.folder))
            writer.graphSaveInterval = .max  // the saved graph stays at 300 rows
            try writer.add((0..<40).map { gallery.item("n\($0)", seed: 100 + UInt64($0)) })
            try writer.remove(imageIDs: (0..<150).map { "img\($0)" })
        }
        let index = try GalleryIndex(folder: gallery.folder)
        let local = try #require(index.backend as? LocalVectorSearch)
        #expect(local.isApproximate(.images))
        var overlap = 0
        for seed in 0..<20 as Range<UInt64> {
            let query = unitRows(1, 8, seed: 500 + seed).values
            let found = try index.images(similarToImage: query, k: 10).map(\.id)
            #expect(found.count == 10)
            #expect(!found.contains { $0.hasPrefix("img") && Int($0.dropFirst(3))! < 150 })
            overlap += Set(found).intersection(try bruteForce(index, query, k: 10)).count
        }
        #expect(overlap >= 180, "HNSW recall@10 over live rows: \(overlap) of 200")
        // The new rows themselves are found through the graph.
        #expect(try index.images(similarToImage: unitRows(1, 8, seed: 105).values, k: 1).first?.id == "n5")
    }

    @Test func compactionKeepsEveryAnswer() throws {
        let gallery = try SmallGallery(images: 30)
        defer { gallery.remove() }
        let queries = (0..<5).map { unitRows(1, 8, seed: 700 + UInt64($0)).values }
        var before: [[SearchResult]] = []
        do {
            let index = try GalleryIndex(folder: gallery.folder)
            let writer = try GalleryWriter(index: index)
            try writer.add([gallery.item("late", seed: 80)])
            try writer.remove(imageIDs: ["img1", "img2", "img29"])
            before = try queries.map { try index.images(similarToImage: $0, k: 40) + index.captions(matchingImage: $0, k: 40) }
            let dropped = try writer.compact()
            #expect(dropped?.images == 3 && dropped?.captions == 3)
        }
        let index = try GalleryIndex(folder: gallery.folder)
        #expect(index.manifest.generation == 1)
        #expect(index.catalog.images.count == 28)
        for (query, expected) in zip(queries, before) {
            let after = try index.images(similarToImage: query, k: 40) + index.captions(matchingImage: query, k: 40)
            #expect(after.map(\.id) == expected.map(\.id))
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: gallery.folder.path)
        #expect(!names.contains("images.f32") && !names.contains("catalog.sqlite"))
        #expect(names.contains("images.g1.f32") && names.contains("catalog.g1.sqlite"))
    }

    @Test func aSecondWriterIsRefused() throws {
        let gallery = try SmallGallery(images: 5)
        defer { gallery.remove() }
        let first = try GalleryWriter(index: try GalleryIndex(folder: gallery.folder))
        #expect(throws: SearchError.self) { try GalleryWriter(index: try GalleryIndex(folder: gallery.folder)) }
        try first.close()
        _ = try GalleryWriter(index: try GalleryIndex(folder: gallery.folder))
    }

    @Test func anIndexOfTheFirstFormatIsUpgradedOnItsFirstWrite() throws {
        let gallery = try SmallGallery(images: 4)
        defer { gallery.remove() }
        let file = GalleryIndex.catalogFile(in: gallery.folder)
        try FileManager.default.removeItem(at: file)
        let database = try SQLiteDatabase(path: file.path, readOnly: false)
        try database.execute("""
            CREATE TABLE images (row INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, path TEXT NOT NULL);
            CREATE TABLE captions (row INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, image_id TEXT NOT NULL, text TEXT NOT NULL);
            CREATE INDEX captions_by_image ON captions(image_id);
            INSERT INTO images VALUES (0, 'img0', '/p/0'), (1, 'img1', '/p/1'), (2, 'img2', '/p/2'), (3, 'img3', '/p/3');
            INSERT INTO captions VALUES (0, 'img0#0', 'img0', 'a'), (1, 'img1#0', 'img1', 'b'), (2, 'img2#0', 'img2', 'c'), (3, 'img3#0', 'img3', 'd');
            """)
        #expect(try GalleryIndex(folder: gallery.folder).catalog.image(id: "img1")?.captionIDs == ["img1#0"])
        let writer = try GalleryWriter(index: try GalleryIndex(folder: gallery.folder))
        try writer.remove(imageIDs: ["img1"])
        try writer.add([gallery.item("img1", seed: 9)])
        try writer.close()
        let catalog = try GalleryIndex(folder: gallery.folder).catalog
        #expect(catalog.liveImageCount == 4 && catalog.images.count == 5)
        #expect(catalog.image(id: "img1")?.path == "/photos/img1.jpg")
    }

    /// Every change adds two images at once; a search that saw half a change would count an odd number.
    @Test func searchesDuringWritesSeeWholeChanges() throws {
        let gallery = try SmallGallery(images: 2, backend: .local(hnswThreshold: 1, alwaysHNSW: true))
        defer { gallery.remove() }
        let index = try GalleryIndex(folder: gallery.folder)
        let writer = try GalleryWriter(index: index)
        let odd = Counter()
        let searches = Counter()
        let stop = Counter()
        let started = DispatchSemaphore(value: 0)
        // Threads of their own: three spinning readers on GCD's pool would starve it (and this test) on two cores.
        let readers = (0..<3).map { reader in
            DedicatedThread {
                var seed = UInt64(reader * 10_000)
                started.signal()
                while stop.value == 0 {
                    seed += 1
                    let query = unitRows(1, 8, seed: seed).values
                    let images = (try? index.images(similarToImage: query, k: 10_000).count) ?? -1
                    let captions = (try? index.captions(matchingImage: query, k: 10_000).count) ?? -1
                    if images % 2 != 0 || captions % 2 != 0 { odd.add() }
                    searches.add()
                }
            }
        }
        for _ in 0..<3 { started.wait() }  // every reader is running before the first change
        var stopped = false
        defer {
            // Also when a change throws: the readers must end, or the test process never does.
            if !stopped {
                stop.add()
                for reader in readers { reader.wait() }
            }
        }
        var changes = 0
        // At least 150 changes, and on until the readers have searched 10 times (a loaded machine may starve them).
        while changes < 150 || (searches.value < 10 && changes < 300) {
            let change = changes
            try writer.add([gallery.item("a\(change)", seed: 2000 + UInt64(2 * change)), gallery.item("b\(change)", seed: 2001 + UInt64(2 * change))])
            if change % 5 == 4 { try writer.remove(imageIDs: ["a\(change - 2)", "b\(change - 2)"]) }
            changes += 1
        }
        stop.add()
        for reader in readers { reader.wait() }
        stopped = true
        #expect(odd.value == 0)
        #expect(searches.value >= 10)
        #expect(index.catalog.liveImageCount == 2 + 2 * changes - 2 * (changes / 5))
    }
}

/// A counter any thread may advance.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}

@Suite struct HotJournalTests {
    /// A writer killed inside its catalogue transaction leaves a hot journal: the index still opens, at the
    /// state before that transaction.
    @Test func anIndexWithAHotJournalOpens() throws {
        let gallery = try SmallGallery(images: 6)
        defer { gallery.remove() }
        let copy = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: copy) }
        let file = GalleryIndex.catalogFile(in: gallery.folder)
        let database = try SQLiteDatabase(path: file.path, readOnly: false)
        try database.execute("BEGIN IMMEDIATE; UPDATE images SET removed = 1 WHERE row < 3; UPDATE captions SET text = 'half-written'")
        // A copy of the folder taken now is what a SIGKILL leaves: the database and its journal, no process.
        for name in try FileManager.default.contentsOfDirectory(atPath: gallery.folder.path) where name != "write.lock" {
            try FileManager.default.copyItem(at: gallery.folder.appendingPathComponent(name), to: copy.appendingPathComponent(name))
        }
        try database.execute("ROLLBACK")
        #expect(FileManager.default.fileExists(atPath: copy.appendingPathComponent("catalog.sqlite-journal").path))
        let index = try GalleryIndex(folder: copy)
        #expect(index.catalog.liveImageCount == 6)
        #expect(index.catalog.caption(id: "img0#0")?.text == "caption of img0")
        let writer = try GalleryWriter(index: index)
        try writer.add([gallery.item("late", seed: 5)])
        try writer.close()
        #expect(try GalleryIndex(folder: copy).catalog.liveImageCount == 7)
    }
}
