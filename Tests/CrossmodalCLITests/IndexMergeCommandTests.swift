import Foundation
import Search
import TestSupport
import Testing

/// A gallery built in parts, as a Slurm array would (`index build --shard I/N`, one part per task), then joined
/// by `index merge`: the same images with the same vectors as one `index build` of the whole split.
@Suite(.enabled(if: CommandRunner.sharedFlickr8k != nil), .serialized) struct IndexMergeCommandTests {
    @Test func partsBuiltApartJoinIntoTheWholeGallery() throws {
        let data = try SmallFlickr()
        defer { data.remove() }
        let train = try data.trainTripletNetworks(width: 32)
        try #require(train.status == 0, "\(train.standardError)")
        func build(_ out: String, _ extra: [String] = []) throws -> CommandRunner.Result {
            try CommandRunner.run(["index", "build", data.path("run"), data.folder.path, "--split", "dev", "--out", data.path(out), "--cache-dir", data.path("cache")] + extra)
        }
        let whole = try build("whole")
        try #require(whole.status == 0, "\(whole.standardError)")
        var partIDs: [Set<String>] = []
        for part in 0..<3 {
            let result = try build("parts/\(part)", ["--shard", "\(part)/3", "--hnsw"])
            try #require(result.status == 0, "\(result.standardError)")
            let index = try GalleryIndex(folder: URL(fileURLWithPath: data.path("parts/\(part)")))
            #expect(index.manifest.shard == "\(part)/3")
            partIDs.append(Set(index.catalog.images.map(\.id)))
        }
        let reference = try GalleryIndex(folder: URL(fileURLWithPath: data.path("whole")))
        let wholeIDs = Set(reference.catalog.images.map(\.id))
        #expect(partIDs.reduce(0) { $0 + $1.count } == 40 && partIDs.reduce(Set()) { $0.union($1) } == wholeIDs)

        // Refused, with nothing written: a part missing, a part twice, the output one of the parts.
        let missing = try CommandRunner.run(["index", "merge", data.path("parts/0"), data.path("parts/2"), "--out", data.path("merged")])
        #expect(missing.status != 0 && missing.standardError.contains("1/3 are missing"), "\(missing.standardError)")
        let twice = try CommandRunner.run(["index", "merge", data.path("parts/0"), data.path("parts/1"), data.path("parts/1"), data.path("parts/2"), "--out", data.path("merged")])
        #expect(twice.status != 0 && twice.standardError.contains("both part 1/3"), "\(twice.standardError)")
        let intoPart = try CommandRunner.run(["index", "merge", data.path("parts/0"), data.path("parts/1"), "--out", data.path("parts/1")])
        #expect(intoPart.status != 0)
        #expect(!FileManager.default.fileExists(atPath: data.path("merged")))

        let merge = try CommandRunner.run(["index", "merge", data.path("parts/2"), data.path("parts/0"), data.path("parts/1"), "--out", data.path("merged"), "--hnsw"])
        try #require(merge.status == 0, "\(merge.standardError)")
        #expect(merge.standardOutput.contains("40 images") && merge.standardOutput.contains("from 3 parts"), "\(merge.standardOutput)")
        // Each step is named on a line of its own before its bar.
        let announced = merge.standardError.split(separator: "\n").filter { $0.hasSuffix("copying vectors") || $0.hasSuffix("HNSW graph") }
        #expect(announced.contains("images: copying vectors") && announced.contains("images: HNSW graph"), "\(merge.standardError)")
        let merged = try GalleryIndex(folder: URL(fileURLWithPath: data.path("merged")))
        #expect(merged.manifest.shard == nil && Set(merged.backend.sets) == Set(reference.backend.sets))
        #expect(Set(merged.catalog.images.map(\.id)) == wholeIDs)
        #expect(merged.catalog.captions.count == reference.catalog.captions.count)
        // Each image: the same captions and (to float rounding of a batch of another size) the same vectors, and the
        // merged graph finds it first by its own vector.
        for image in reference.catalog.images {
            #expect(merged.catalog.image(id: image.id)?.captionIDs == image.captionIDs)
            let expected = try #require(try reference.storedVector(ofImage: image.id))
            let found = try #require(try merged.storedVector(ofImage: image.id))
            #expect(zip(expected, found).allSatisfy { abs($0 - $1) < 1e-5 }, "\(image.id)")
            #expect(try merged.images(similarToImage: found, k: 1).first?.id == image.id)
        }
        // The merged gallery answers queries: served as any other.
        let server = try ServerProcess(index: data.path("merged"))
        defer { server.stop() }
        let search = try server.json("/api/search?text=a%20dog%20runs&k=5&min_probability=0")
        #expect((search.object["results"] as? [[String: Any]])?.count == 5, "\(search.object)")
    }
}
