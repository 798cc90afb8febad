import Foundation
import TestSupport
import Testing

/// WebDataset shards through the whole pipeline: `train` and `index build` read the photos inside the shards
/// (never unpacked), and the server sends each photo's bytes straight out of its shard.
@Suite(.serialized) struct WebDatasetCommandTests {
    @Test func trainsIndexesAndServesFromShards() throws {
        let data = try SmallFlickr()
        defer { data.remove() }
        // img2dataset's layout, one caption per sample: train/00000.tar … and dev/00000.tar.
        let shards = data.folder.appendingPathComponent("shards")
        let captions = try String(contentsOf: data.folder.appendingPathComponent("Flickr8k.token.txt"), encoding: .utf8)
            .split(separator: "\n").reduce(into: [String: String]()) { first, line in
                let parts = line.split(separator: "\t", maxSplits: 1)
                if parts.count == 2, let image = parts[0].split(separator: "#").first, first[String(image)] == nil { first[String(image)] = String(parts[1]) }
            }
        var originals: [String: Data] = [:]
        for (split, file) in [("train", "Flickr_8k.trainImages.txt"), ("dev", "Flickr_8k.devImages.txt")] {
            let names = try String(contentsOf: data.folder.appendingPathComponent(file), encoding: .utf8).split(separator: "\n").map(String.init)
            try FileManager.default.createDirectory(at: shards.appendingPathComponent(split), withIntermediateDirectories: true)
            for start in stride(from: 0, to: names.count, by: 50) {
                var members: [(name: String, data: Data)] = []
                for name in names[start..<min(names.count, start + 50)] {
                    let key = "\(split)-\(name.replacingOccurrences(of: ".jpg", with: ""))"
                    let jpeg = try Data(contentsOf: data.folder.appendingPathComponent("images/\(name)"))
                    originals[key] = jpeg
                    members += [("\(key).jpg", jpeg), ("\(key).txt", Data((captions[name] ?? "a photo").utf8))]
                }
                try TarWriter.archive(members).write(to: shards.appendingPathComponent("\(split)/\(String(format: "%05d", start / 50)).tar"))
            }
        }

        let inspect = try CommandRunner.run(["dataset", "inspect", shards.path])
        #expect(inspect.status == 0 && inspect.standardOutput.contains("webdataset layout"), "\(inspect.standardOutput)")
        #expect(inspect.standardOutput.contains("train     120"), "\(inspect.standardOutput)")
        let train = try CommandRunner.run([
            "train", shards.path, "--preset", "thomas2020", "--text-tower", "mlp", "--weights", "1,1,0,0", "--epochs", "1",
            "--cache-dir", data.path("cache"), "--out", data.path("run"),
        ])
        try #require(train.status == 0, "\(train.standardError)")
        let build = try CommandRunner.run([
            "index", "build", data.path("run"), shards.path, "--split", "dev", "--out", data.path("index"), "--cache-dir", data.path("cache"),
        ])
        try #require(build.status == 0, "\(build.standardError)")
        #expect(build.standardOutput.contains("40 images"), "\(build.standardOutput)")

        let server = try ServerProcess(index: data.path("index"))
        defer { server.stop() }
        let search = try server.json("/api/search?text=a%20dog&k=3&min_probability=0")
        let results = try #require(search.object["results"] as? [[String: Any]])
        #expect(results.count == 3)
        for id in results.compactMap({ $0["id"] as? String }) {
            let image = try server.request("/api/images/\(id)")
            #expect(image.status == 200 && image.body == originals[id], "image \(id): \(image.status), \(image.body.count) bytes")
            let item = try server.json("/api/items/\(id)")
            #expect((item.object["path"] as? String)?.contains(".tar#") == true)
        }
        // A shard cut short after the index was built: the photo is gone, and the answer says so.
        let shard = shards.appendingPathComponent("dev/00000.tar")
        let handle = try FileHandle(forWritingTo: shard)
        try handle.truncate(atOffset: 4096)
        try handle.close()
        let lost = try #require(results.compactMap { $0["id"] as? String }.first)
        let gone = try server.request("/api/images/\(lost)")
        #expect(gone.status == 404, "\(gone.status)")
    }
}
