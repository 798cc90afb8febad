import Foundation
import Numerics
import Search
import TestSupport
import Testing
@testable import SearchServer

/// Queries embedded as a fixed unit vector: enough to exercise the routes without a model.
struct FixedEmbedding: QueryEmbedding {
    let width: Int

    func embed(text: String, deadline: Deadline) throws -> [Float] { [1] + [Float](repeating: 0, count: width - 1) }
    func embed(imageData: Data, deadline: Deadline) throws -> [Float] { try embed(text: "", deadline: deadline) }
}

/// A local index of `images` images (ids img0 …, one caption each) in a new temporary folder.
func smallIndex(images: Int, width: Int = 4) throws -> URL {
    let folder = try temporaryFolder()
    var generator = SeededGenerator(seed: 3)
    func rows(_ n: Int) -> Matrix {
        var matrix = Matrix(rows: n, columns: width)
        for i in matrix.values.indices { matrix.values[i] = generator.normal() }
        _ = matrix.normalizeRows()
        return matrix
    }
    let catalog = try GalleryCatalog(
        images: (0..<images).map { GalleryImage(id: "img\($0)", path: folder.appendingPathComponent("img\($0).jpg").path, captionIDs: []) },
        captions: (0..<images).map { GalleryCaption(id: "img\($0)#0", imageID: "img\($0)", text: "caption \($0)") })
    _ = try GalleryIndexWriter(folder: folder, backend: .local(hnswThreshold: .max, alwaysHNSW: false)).write(
        catalog: catalog, sets: [(.images, rows(images)), (.captions, rows(images))], metric: .innerProduct, source: ("test", "dev", "run"))
    return folder
}

@Suite struct SearchAPITests {
    func status(_ api: SearchAPI, _ path: String, _ query: [String: String]) -> Int {
        api.handle(HTTPRequest(method: "GET", path: path, query: query)).status
    }

    @Test func theLargestKAnyFlagAllowsDoesNotTrap() throws {
        let folder = try smallIndex(images: 5)
        defer { try? FileManager.default.removeItem(at: folder) }
        var limits = ServiceLimits()
        limits.maxK = .max  // what `--max-k 9223372036854775807` asked for before the flag was bounded
        let api = SearchAPI(index: try GalleryIndex(folder: folder), embedder: FixedEmbedding(width: 4), limits: limits)
        let k = String(Int.max)
        let similar = api.handle(HTTPRequest(method: "GET", path: "/api/search", query: ["image_id": "img0", "target": "images", "k": k]))
        #expect(similar.status == 200)
        let results = try JSONSerialization.jsonObject(with: similar.body) as? [String: Any]
        #expect((results?["results"] as? [[String: Any]])?.count == 4)  // every image but the query
        #expect(status(api, "/api/search", ["text": "a dog", "k": k]) == 200)
        #expect(status(api, "/api/search", ["image_id": "img0", "target": "captions", "k": k]) == 200)
        #expect(status(api, "/api/search", ["text": "a dog", "k": "9223372036854775808"]) == 400)  // past Int
    }

    @Test func aServerFollowsChangesAnotherProcessMakes() throws {
        let folder = try smallIndex(images: 5)
        defer { try? FileManager.default.removeItem(at: folder) }
        let api = SearchAPI(index: try GalleryIndex(folder: folder), embedder: FixedEmbedding(width: 4))
        let watcher = GalleryWatcher(api: api, interval: 0) { previous in (try GalleryIndex(folder: previous.folder), nil) }
        func health() throws -> Int? {
            let answer = watcher.handle(HTTPRequest(method: "GET", path: "/healthz"))
            return (try JSONSerialization.jsonObject(with: answer.body) as? [String: Any])?["images"] as? Int
        }
        #expect(try health() == 5)
        // Another writer (as `index remove` and `index add` would be) changes the folder.
        do {
            let writer = try GalleryWriter(index: try GalleryIndex(folder: folder))
            try writer.remove(imageIDs: ["img1", "img2"])
            try writer.add([
                NewGalleryImage(id: "new", path: folder.appendingPathComponent("new.jpg").path, contentHash: nil, vectors: [.images: [0, 1, 0, 0]])
            ])
            try writer.close()
        }
        #expect(try health() == 4)
        #expect(watcher.current.gallery.catalog.image(id: "new") != nil)
        #expect(watcher.current.gallery.catalog.image(id: "img1") == nil)
        // Compaction switches file generations under the server; it follows that too.
        do {
            let writer = try GalleryWriter(index: try GalleryIndex(folder: folder))
            _ = try writer.compact()
        }
        #expect(try health() == 4)
        #expect(watcher.current.gallery.catalog.images.count == 4)
        let search = watcher.handle(HTTPRequest(method: "GET", path: "/api/search", query: ["text": "x", "k": "10"]))
        #expect(search.status == 200)
    }
}
