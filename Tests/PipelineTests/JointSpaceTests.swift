import Evaluation
import Foundation
import Numerics
import Search
import Testing

/// One joint-space type ranks everywhere by the space's metric: a report's example queries and an
/// index give the order evaluation uses.
@Suite struct JointSpaceTests {
    // Image 0 is near the text but small; image 1 is far but points the same way and is long, so inner
    // product prefers image 1 and Euclidean distance image 0.
    static let images = try! Matrix([[0.9, 0.1], [5, 0]])
    static let texts = try! Matrix([[1, 0]])

    @Test func nearestFollowsTheMetric() throws {
        let inner = JointSpace(images: Self.images, texts: Self.texts, metric: .innerProduct)
        let euclidean = JointSpace(images: Self.images, texts: Self.texts, metric: .squaredEuclidean)
        #expect(try inner.nearestImages(toTexts: [0], k: 2)[0].map(\.index) == [1, 0])
        #expect(try euclidean.nearestImages(toTexts: [0], k: 2)[0].map(\.index) == [0, 1])
        #expect(try euclidean.imageRanks(forTexts: [0], relevant: [[0]]) == [[0]])
        #expect(try inner.imageRanks(forTexts: [0], relevant: [[0]]) == [[1]])
        // The score of a Euclidean space is ⟨q, g⟩ − ‖g‖²/2: −½‖q − g‖² up to the query's own ‖q‖²/2.
        let score = try #require(try euclidean.nearestImages(toTexts: [0], k: 1).first?.first?.value)
        #expect(abs(score - (0.9 - (0.81 + 0.01) / 2)) < 1e-6)
    }

    @Test func anIndexOfAEuclideanSpaceSearchesByDistance() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("crossmodal-index-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let catalog = try GalleryCatalog(
            images: [GalleryImage(id: "a.jpg", path: "/a.jpg", captionIDs: ["a.jpg#0"]), GalleryImage(id: "b.jpg", path: "/b.jpg", captionIDs: [])],
            captions: [GalleryCaption(id: "a.jpg#0", imageID: "a.jpg", text: "a")])
        let written = try GalleryIndexWriter(folder: folder, backend: .local(hnswThreshold: 100, alwaysHNSW: false)).write(
            catalog: catalog, sets: [(.images, Self.images), (.captions, Self.texts)], metric: .squaredEuclidean,
            source: ("/data", "dev", "/run"))
        #expect(written.map(\.rows) == [2, 1])
        let index = try GalleryIndex(folder: folder)
        #expect(index.manifest.metric == .squaredEuclidean)
        #expect(index.manifest.dimension == 3)
        #expect(try index.images(matchingText: [1, 0], k: 2).map(\.id) == ["a.jpg", "b.jpg"])
        #expect(try index.storedVector(ofImage: "b.jpg") == [5, 0])
    }

    @Test func writerRefusesSetsThatDoNotMatchTheCatalogue() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("crossmodal-index-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let catalog = try GalleryCatalog(images: [GalleryImage(id: "a.jpg", path: "/a.jpg", captionIDs: [])], captions: [])
        #expect(throws: SearchError.self) {
            try GalleryIndexWriter(folder: folder, backend: .local(hnswThreshold: 100, alwaysHNSW: false)).write(
                catalog: catalog, sets: [(.images, Self.images)], metric: .innerProduct, source: ("/data", "dev", "/run"))
        }
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("index.json").path))
    }
}
