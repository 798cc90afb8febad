import Foundation
import Numerics
import Search
import TestSupport
import Testing

/// Random unit rows.
func unitRows(_ rows: Int, _ columns: Int, seed: UInt64) -> Matrix {
    var generator = SeededGenerator(seed: seed)
    var matrix = Matrix(rows: rows, columns: columns)
    for i in matrix.values.indices { matrix.values[i] = generator.normal() }
    _ = matrix.normalizeRows()
    return matrix
}

@Suite struct LocalVectorSearchTests {
    @Test func exactSearchIsTheBruteForceOrder() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let images = unitRows(300, 16, seed: 1)
        try LocalVectorSearch.write(images, set: .images, to: folder, graph: false)
        let search = try LocalVectorSearch(folder: folder, dimension: 16)
        #expect(search.sets == [.images])
        #expect(!search.isApproximate(.images))
        let query = unitRows(1, 16, seed: 2).values
        let hits = try search.search(query, in: .images, k: 5)
        let scores = (0..<300).map { r in (0..<16).reduce(Float(0)) { $0 + images[r, $1] * query[$1] } }
        let expected = (0..<300).sorted { scores[$0] > scores[$1] }.prefix(5)
        #expect(hits.map(\.row) == Array(expected))
        #expect(abs(hits[0].score - scores[expected.first!]) < 1e-5)
        #expect(try search.search(query, in: .images, k: 1000).count == 300)
        #expect(try search.search(query, in: .images, k: 0).isEmpty)
        #expect(throws: SearchError.self) { try search.search(query, in: .captions, k: 5) }
        #expect(throws: SearchError.self) { try search.search([1, 0], in: .images, k: 5) }
    }

    /// A mapped set of more rows than one BLAS chunk (65,536) ranks exactly as one pass over all rows would:
    /// ties across the chunk boundary go to the lower row, and hidden rows are never returned.
    @Test func mappedExactSearchAcrossChunksIsTheBruteForceOrder() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var images = unitRows(70_000, 4, seed: 11)
        // Rows 70 and 69,990 (either side of the boundary) equal row 65,600's vector: a three-way tie.
        for column in 0..<4 { images[70, column] = images[65_600, column]; images[69_990, column] = images[65_600, column] }
        try LocalVectorSearch.write(images, set: .images, to: folder, graph: false)
        let search = try LocalVectorSearch(folder: folder, dimension: 4)
        let query = images.row(65_600)
        let scores = (0..<70_000).map { r in (0..<4).reduce(Float(0)) { $0 + images[r, $1] * query[$1] } }
        let order = (0..<70_000).sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
        #expect(try search.search(query, in: .images, k: 8).map(\.row) == Array(order.prefix(8)))
        #expect(Array(order.prefix(3)) == [70, 65_600, 69_990])
        let visible = VisibleRows(count: 69_995, removed: [70, order[5]])
        let expected = order.filter { visible.contains($0) }.prefix(8)
        #expect(try search.search(query, in: .images, k: 8, visible: visible).map(\.row) == Array(expected))
        #expect(try search.vector(.images, row: 69_990) == query)
    }

    @Test func savedGraphFindsWhatExactSearchFinds() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let captions = unitRows(2000, 24, seed: 3)
        try LocalVectorSearch.write(captions, set: .captions, to: folder, graph: true)
        let approximate = try LocalVectorSearch(folder: folder, dimension: 24)
        #expect(approximate.isApproximate(.captions))
        try FileManager.default.removeItem(at: LocalVectorSearch.graphFile(.captions, in: folder))
        let exact = try LocalVectorSearch(folder: folder, dimension: 24)
        var found = 0
        for q in 0..<20 {
            let query = unitRows(1, 24, seed: 100 + UInt64(q)).values
            let truth = Set(try exact.search(query, in: .captions, k: 10).map(\.row))
            found += try approximate.search(query, in: .captions, k: 10).filter { truth.contains($0.row) }.count
        }
        #expect(Double(found) / 200 > 0.95)
    }

    /// A set with a graph keeps its flat file on disk: rows asked for by number are read from it, bit for bit,
    /// before and after rows are added; a reopened graph catches up with rows stored after it was saved.
    @Test func graphSetsReadRowsFromDisk() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let images = unitRows(300, 16, seed: 5)
        try LocalVectorSearch.write(images, set: .images, to: folder, graph: true)
        let search = try LocalVectorSearch(folder: folder, dimension: 16)
        #expect(search.isApproximate(.images) && search.count(.images) == 300)
        #expect(try search.vector(.images, row: 7) == images.row(7))
        #expect(try search.vector(.images, row: 300) == nil)
        let more = unitRows(20, 16, seed: 6)
        try search.store(more, in: .images, from: 300, ids: [], labels: [])
        try search.publish(more, in: .images, from: 300)
        #expect(search.count(.images) == 320)
        #expect(try search.vector(.images, row: 311) == more.row(11))
        #expect(try search.search(more.row(11), in: .images, k: 1).first?.row == 311)
        // Reopened without saving the grown graph: it is rebuilt up to the committed rows from the file.
        let reopened = try LocalVectorSearch(folder: folder, dimension: 16, committed: [.images: 315])
        #expect(reopened.count(.images) == 315)
        #expect(try reopened.search(more.row(11), in: .images, k: 1).first?.row == 311)
        #expect(try reopened.search(more.row(17), in: .images, k: 3).allSatisfy { $0.row < 315 })
        #expect(throws: SearchError.self) { try LocalVectorSearch(folder: folder, dimension: 16, committed: [.images: 321]) }
    }

    @Test func truncatedVectorFileIsRefused() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Data(count: 10).write(to: LocalVectorSearch.vectorFile(.images, in: folder))
        #expect(throws: SearchError.self) { try LocalVectorSearch(folder: folder, dimension: 4) }
    }
}

@Suite struct GalleryCatalogTests {
    @Test func roundTripsThroughSQLite() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let catalog = try GalleryCatalog(
            images: [GalleryImage(id: "a.jpg", path: "/data/a.jpg", captionIDs: ["a.jpg#0", "a.jpg#1"]), GalleryImage(id: "b.jpg", path: "/data/b.jpg", captionIDs: ["b.jpg#0"])],
            captions: [
                GalleryCaption(id: "a.jpg#0", imageID: "a.jpg", text: "a dog's \"ball\"\tand a tab"),
                GalleryCaption(id: "a.jpg#1", imageID: "a.jpg", text: "ünïcode ✓"),
                GalleryCaption(id: "b.jpg#0", imageID: "b.jpg", text: "a cat"),
            ])
        let file = folder.appendingPathComponent("catalog.sqlite")
        try catalog.write(to: file)
        let read = try GalleryCatalog.read(from: file)
        #expect(read.images == catalog.images)
        #expect(read.captions == catalog.captions)
        #expect(read.image(id: "b.jpg")?.path == "/data/b.jpg")
        #expect(read.caption(id: "../../etc/passwd") == nil)
    }

    @Test func duplicateIdsAreRefused() {
        #expect(throws: SearchError.self) {
            try GalleryCatalog(images: [GalleryImage(id: "a", path: "/a", captionIDs: []), GalleryImage(id: "a", path: "/b", captionIDs: [])], captions: [])
        }
    }
}
