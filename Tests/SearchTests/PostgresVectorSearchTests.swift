import Foundation
import TestSupport
import Numerics
import Search
import Testing

@Suite(.serialized) struct PostgresVectorSearchTests {
    @Test func sameTopKAsTheEmbeddedBackend() throws {
        let server = try PostgresServer()
        defer { server.stop() }
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let images = unitRows(500, 32, seed: 5)
        let captions = unitRows(1500, 32, seed: 6)
        try LocalVectorSearch.write(images, set: .images, to: folder, graph: false)
        try LocalVectorSearch.write(captions, set: .captions, to: folder, graph: false)
        try PostgresVectorSearch.write(
            images, set: .images, ids: (0..<500).map { "img\($0).jpg" }, labels: (0..<500).map { "/data/img\($0).jpg" },
            url: server.url, prefix: "test")
        try PostgresVectorSearch.write(
            captions, set: .captions, ids: (0..<1500).map { "img\($0 / 3).jpg#\($0 % 3)" }, labels: (0..<1500).map { "caption\t\($0) with \\ and \n" },
            url: server.url, prefix: "test")
        let local = try LocalVectorSearch(folder: folder, dimension: 32)
        let remote = try PostgresVectorSearch(url: server.url, prefix: "test", dimension: 32)
        #expect(Set(remote.sets) == [.images, .captions])
        for q in 0..<10 {
            let query = unitRows(1, 32, seed: 50 + UInt64(q)).values
            for set in [VectorSet.images, .captions] {
                let a = try local.search(query, in: set, k: 10)
                let b = try remote.search(query, in: set, k: 10)
                #expect(a.map(\.row) == b.map(\.row), "query \(q) in \(set)")
                for (x, y) in zip(a, b) { #expect(abs(x.score - y.score) < 1e-5) }
            }
        }
        #expect(throws: SearchError.self) { try PostgresVectorSearch(url: server.url, prefix: "Robert'); DROP TABLE x;--", dimension: 32) }
        #expect(throws: SearchError.self) { try PostgresVectorSearch(url: server.url, prefix: "absent", dimension: 32) }
    }

    @Test func unreachableServerIsAClearError() {
        #expect(throws: SearchError.self) { try PostgresVectorSearch(url: "postgres://nobody@127.0.0.1:1/none", prefix: "x", dimension: 4) }
    }
}

@Suite(.serialized) struct PostgresGalleryWriterTests {
    /// The same additions and removals through PostgreSQL and through the embedded backend give the same answers.
    @Test func changesMatchTheEmbeddedBackend() throws {
        let server = try PostgresServer()
        defer { server.stop() }
        let local = try SmallGallery(images: 60)
        let remote = try SmallGallery(images: 60, backend: .postgres(url: server.url, tablePrefix: "live"))
        defer {
            local.remove()
            remote.remove()
        }
        for gallery in [local, remote] {
            let writer = try GalleryWriter(index: try GalleryIndex(folder: gallery.folder))
            try writer.add((0..<10).map { gallery.item("n\($0)", seed: 300 + UInt64($0)) })
            try writer.remove(imageIDs: ["img5", "n3", "img59"])
            try writer.add([gallery.item("img5", seed: 400)])
            try writer.close()
        }
        let a = try GalleryIndex(folder: local.folder), b = try GalleryIndex(folder: remote.folder)
        #expect(b.manifest.backend == "postgres")
        for seed in 0..<10 as Range<UInt64> {
            let query = unitRows(1, 8, seed: 800 + seed).values
            #expect(try a.images(similarToImage: query, k: 10).map(\.id) == b.images(similarToImage: query, k: 10).map(\.id))
            #expect(try a.captions(matchingImage: query, k: 10).map(\.id) == b.captions(matchingImage: query, k: 10).map(\.id))
        }
        // Rows a crashed writer inserted beyond the catalogue are never returned, and the next writer deletes them.
        let stray = try PostgresVectorSearch(url: server.url, prefix: "live", dimension: 8)
        try stray.store(unitRows(1, 8, seed: 805), in: .images, from: b.catalog.images.count, ids: ["ghost"], labels: ["/ghost"])
        let reopened = try GalleryIndex(folder: remote.folder)
        #expect(try !reopened.images(similarToImage: unitRows(1, 8, seed: 805).values, k: 5).contains { $0.id == "ghost" })
        let writer = try GalleryWriter(index: reopened)
        try writer.add([remote.item("after", seed: 500)])
        try writer.close()
        #expect(try GalleryIndex(folder: remote.folder).images(similarToImage: unitRows(1, 8, seed: 500).values, k: 1).first?.id == "after")
    }
}
