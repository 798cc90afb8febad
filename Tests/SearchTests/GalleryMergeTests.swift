import Foundation
import Numerics
@testable import Search
import TestSupport
import Testing

/// Parts of a sharded build joined by ``GalleryMerge``: the merged gallery holds every part's rows, bit for bit,
/// in the order the parts were given, and its graph finds them.
@Suite struct GalleryMergeTests {
    /// One part: images `ids` (one caption each), vectors from `seed`, recorded as shard `shard`.
    static func part(_ ids: [String], seed: UInt64, shard: String?, graph: Bool, in parent: URL, name: String) throws -> (URL, Matrix) {
        let folder = parent.appendingPathComponent(name)
        let images = unitRows(ids.count, 8, seed: seed)
        let catalog = try GalleryCatalog(
            images: ids.map { GalleryImage(id: $0, path: "/photos/\($0).jpg", captionIDs: []) },
            captions: ids.map { GalleryCaption(id: "\($0)#0", imageID: $0, text: "caption of \($0)") })
        _ = try GalleryIndexWriter(folder: folder, backend: .local(hnswThreshold: .max, alwaysHNSW: graph)).write(
            catalog: catalog, sets: [(.images, images), (.captions, unitRows(ids.count, 8, seed: seed + 100))],
            metric: .innerProduct, source: ("data", "dev", "run"), shard: shard)
        return (folder, images)
    }

    @Test(arguments: [false, true]) func partsJoinRowForRow(firstHasGraph: Bool) throws {
        let parent = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: parent) }
        let (a, va) = try Self.part((0..<300).map { "a\($0)" }, seed: 1, shard: "1/3", graph: firstHasGraph, in: parent, name: "a")
        let (b, vb) = try Self.part((0..<50).map { "b\($0)" }, seed: 2, shard: "0/3", graph: false, in: parent, name: "b")
        let (c, vc) = try Self.part((0..<120).map { "c\($0)" }, seed: 3, shard: "2/3", graph: true, in: parent, name: "c")
        let out = parent.appendingPathComponent("merged")
        var steps: Set<String> = []
        let result = try GalleryMerge.merge([a, b, c], into: out, hnswThreshold: 400, alwaysHNSW: false) { step, done, total in
            steps.insert(step)
            #expect(done <= total)
        }
        #expect(result.sets.map(\.rows) == [470, 470] && result.sets.allSatisfy(\.approximate))
        #expect(steps.contains("images: HNSW graph") && steps.contains("captions: copying vectors"))
        let merged = try GalleryIndex(folder: out)
        #expect(merged.manifest.shard == nil && merged.manifest.images == 470)
        #expect(merged.catalog.images.map(\.id) == (0..<300).map { "a\($0)" } + (0..<50).map { "b\($0)" } + (0..<120).map { "c\($0)" })
        #expect(merged.catalog.image(id: "b7")?.captionIDs == ["b7#0"])
        #expect((merged.backend as? LocalVectorSearch)?.isApproximate(.images) == true)
        // Every row is the part's row, bit for bit, and the graph finds each image by its own vector.
        let all = [va, vb, vc].flatMap { m in (0..<m.rows).map { m.row($0) } }
        for row in stride(from: 0, to: 470, by: 7) {
            #expect(try merged.backend.vector(.images, row: row) == all[row])
            #expect(try merged.backend.search(all[row], in: .images, k: 1).first?.row == row)
        }
    }

    @Test func partsThatAreNotOneGalleryAreRefusedBeforeWriting() throws {
        let parent = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: parent) }
        let (a, _) = try Self.part(["x", "y"], seed: 1, shard: "0/3", graph: false, in: parent, name: "a")
        let (b, _) = try Self.part(["z"], seed: 2, shard: "1/3", graph: false, in: parent, name: "b")
        let (c, _) = try Self.part(["w"], seed: 3, shard: "2/3", graph: false, in: parent, name: "c")
        let (twin, _) = try Self.part(["v"], seed: 4, shard: "1/3", graph: false, in: parent, name: "twin")
        let (clash, _) = try Self.part(["y"], seed: 5, shard: "2/3", graph: false, in: parent, name: "clash")
        let out = parent.appendingPathComponent("merged")
        func refusal(_ parts: [URL]) -> String {
            do {
                _ = try GalleryMerge.merge(parts, into: out, hnswThreshold: .max, alwaysHNSW: false)
                return ""
            } catch {
                return "\(error)"
            }
        }
        #expect(refusal([a, c]).contains("1/3 are missing"))
        #expect(refusal([a, b, twin, c]).contains("are both part 1/3"))
        #expect(refusal([a, b, clash]).contains("image y is in both"))
        #expect(refusal([a]).contains("at least two"))
        // Another run: the manifest says so.
        var manifest = try GalleryIndex(folder: c).manifest
        manifest.run = "another-run"
        try GalleryIndex.writeManifest(manifest, to: c)
        #expect(refusal([a, b, c]).contains("made with the run another-run"))
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("index.json").path))
        // And the three good parts join.
        manifest.run = "run"
        try GalleryIndex.writeManifest(manifest, to: c)
        #expect(try GalleryMerge.merge([a, b, c], into: out, hnswThreshold: .max, alwaysHNSW: false).catalog.images.count == 4)
    }
}
