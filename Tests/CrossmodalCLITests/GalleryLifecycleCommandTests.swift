import Foundation
import Search
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A gallery's life as the README tells it, and the ways `index build` and `serve` could lose or expose a
/// user's gallery: each step checks what the gallery holds afterwards.
@Suite(.enabled(if: CommandRunner.sharedFlickr8k != nil), .serialized) struct GalleryLifecycleCommandTests {
    /// The live image ids of an index folder.
    static func ids(_ index: String) throws -> Set<String> {
        let catalog = try GalleryIndex(folder: URL(fileURLWithPath: index)).catalog
        return Set(catalog.images.filter { !$0.removed }.map(\.id))
    }

    /// Polls `/healthz` until it reports `images` (at most `seconds`).
    static func waitForImages(_ server: ServerProcess, _ images: Int, seconds: Double = 5) throws -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if try server.json("/healthz").object["images"] as? Int == images { return true }
            usleep(100_000)
        }
        return false
    }

    /// A gallery of the fixture's first `count` photos in `index/`, built from `photos/`.
    static func gallery(of fixture: PhotoFixture, count: Int) throws -> (folder: URL, index: String) {
        let folder = try fixture.photoFolder("photos", count: count)
        let index = fixture.path("index")
        let build = try CommandRunner.run(["index", "build", fixture.path("run"), folder.path, "--out", index])
        try #require(build.status == 0, "\(build.standardError)")
        return (folder, index)
    }

    @Test func theReadmePhotoPathKeepsUploadsAndRemovals() throws {
        let fixture = try PhotoFixture()
        defer { fixture.remove() }
        let folder = try fixture.photoFolder("photos", count: 6)
        let index = fixture.path("index")
        let folderIDs = Set(fixture.photos.prefix(6).enumerated().map { i, photo in (i % 3 == 0 ? "trip/day2/" : "") + photo.lastPathComponent })

        // Build.
        let build = try CommandRunner.run(["index", "build", fixture.path("run"), folder.path, "--out", index])
        try #require(build.status == 0, "\(build.standardError)")
        #expect(try Self.ids(index) == folderIDs)

        // Serve with a token file that does not exist yet: made with a random token, readable by its owner only.
        let tokenFile = fixture.path("write-token")
        var uploadID = ""
        let removedID = fixture.photos[1].lastPathComponent
        do {
            let server = try ServerProcess(index: index, extra: ["--write-token-file", tokenFile])
            defer { server.stop() }
            var status = stat()
            #expect(stat(tokenFile, &status) == 0 && status.st_mode & 0o777 == 0o600)
            let token = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(token.count == 32)
            let deadline = Date().addingTimeInterval(5)
            while !server.output.contains("writes:"), Date() < deadline { usleep(50_000) }
            #expect(server.output.contains("writes:") && server.output.contains(tokenFile) && !server.output.contains(token), "\(server.output)")
            let bearer = ["Authorization": "Bearer \(token)"]
            // Upload, then remove one of the folder's photos, through the API.
            let photo = try Data(contentsOf: fixture.photos[40])
            let added = try server.request("/api/images?caption=a%20photo%20from%20my%20phone", method: "POST", body: photo, headers: bearer)
            #expect(added.status == 201, "\(String(decoding: added.body, as: UTF8.self))")
            uploadID = try #require((try JSONSerialization.jsonObject(with: added.body) as? [String: Any])?["id"] as? String)
            #expect(uploadID.hasPrefix("uploads/"))
            #expect(try server.request("/api/images/\(removedID)", method: "DELETE", headers: bearer).status == 200)
            #expect(try server.json("/healthz").object["images"] as? Int == 6)
            // A page elsewhere reaching this server through DNS rebinding names its own host.
            let rebound = try HTTPProbe.send(port: server.port, method: "GET", path: "/healthz", body: nil, headers: [:], host: "attacker.example")
            #expect(rebound.status == 421)
        }
        var expected = folderIDs.subtracting([removedID]).union([uploadID])
        #expect(try Self.ids(index) == expected)

        // Refresh (the README's command again): the upload stays, the removed photo stays out.
        let refresh = try CommandRunner.run(["index", "build", fixture.path("run"), folder.path, "--out", index])
        try #require(refresh.status == 0, "\(refresh.standardError)")
        #expect(refresh.standardOutput.contains("0 added, 0 changed, 5 unchanged, 0 removed"), "\(refresh.standardOutput)")
        #expect(refresh.standardOutput.contains("left out: 1"), "\(refresh.standardOutput)")
        #expect(try Self.ids(index) == expected)

        // A new photo, a deleted one: the new one comes in, the deleted one stays until --prune.
        let deleted = fixture.photos[2].lastPathComponent
        try FileManager.default.removeItem(at: folder.appendingPathComponent(deleted))
        try FileManager.default.copyItem(at: fixture.photos[50], to: folder.appendingPathComponent("new.jpg"))
        let second = try CommandRunner.run(["index", "build", fixture.path("run"), folder.path, "--out", index])
        try #require(second.status == 0, "\(second.standardError)")
        #expect(second.standardOutput.contains("1 added") && second.standardOutput.contains("kept: 1"), "\(second.standardOutput)")
        expected.insert("new.jpg")
        #expect(try Self.ids(index) == expected)
        let pruned = try CommandRunner.run(["index", "build", fixture.path("run"), folder.path, "--out", index, "--prune"])
        try #require(pruned.status == 0, "\(pruned.standardError)")
        #expect(pruned.standardOutput.contains("1 removed"), "\(pruned.standardOutput)")
        expected.remove(deleted)
        #expect(try Self.ids(index) == expected)

        // Restart: the same gallery, the upload's file served, the token file read as it is.
        let server = try ServerProcess(index: index, extra: ["--write-token-file", tokenFile])
        defer { server.stop() }
        #expect(try server.json("/healthz").object["images"] as? Int == expected.count)
        let file = try server.request("/api/images/\(uploadID.replacingOccurrences(of: "/", with: "%2F"))")
        let uploaded = try Data(contentsOf: fixture.photos[40])
        #expect(file.status == 200 && file.body == uploaded)
        #expect(try server.json("/api/search?text=a%20dog&k=3").status == 200)
        server.stop()

        // Bringing the removed photo back on purpose works, and a later refresh keeps it.
        let readd = try CommandRunner.run(["index", "add", index, folder.appendingPathComponent(removedID).path])
        #expect(readd.status == 0 && readd.standardOutput.contains("added \(removedID)"), "\(readd.standardError)")
        expected.insert(removedID)
        let third = try CommandRunner.run(["index", "build", fixture.path("run"), folder.path, "--out", index])
        #expect(third.status == 0 && !third.standardOutput.contains("left out"), "\(third.standardOutput)")
        #expect(try Self.ids(index) == expected)
    }

    @Test func aServerWithoutWritesFollowsAnotherProcess() throws {
        let fixture = try PhotoFixture()
        defer { fixture.remove() }
        let (_, index) = try Self.gallery(of: fixture, count: 4)
        let server = try ServerProcess(index: index)
        defer { server.stop() }
        #expect(try server.json("/healthz").object["images"] as? Int == 4)
        let add = try CommandRunner.run(["index", "add", index, fixture.photos[60].path, fixture.photos[61].path])
        try #require(add.status == 0, "\(add.standardError)")
        #expect(try Self.waitForImages(server, 6), "the server did not see `index add`")
        let search = try server.json("/api/search?image_id=\(fixture.photos[60].lastPathComponent)&target=images&k=2")
        #expect(search.status == 200)
        let remove = try CommandRunner.run(["index", "remove", index, fixture.photos[61].lastPathComponent])
        try #require(remove.status == 0, "\(remove.standardError)")
        #expect(try Self.waitForImages(server, 5), "the server did not see `index remove`")
        let compact = try CommandRunner.run(["index", "compact", index])
        try #require(compact.status == 0, "\(compact.standardError)")
        #expect(try Self.waitForImages(server, 5))
        let results = try server.json("/api/search?text=a%20dog&k=10").object["results"] as? [Any]
        #expect(results?.count == 5)
    }

    @Test func buildsNeverLoseAGalleryTheyWereNotMeantFor() throws {
        let fixture = try PhotoFixture()
        defer { fixture.remove() }
        let (folder, index) = try Self.gallery(of: fixture, count: 4)
        let manifest = try Data(contentsOf: URL(fileURLWithPath: index + "/index.json"))

        // A dataset's split into the photo gallery: refused, the gallery as it was.
        let dataset = ["index", "build", fixture.path("run"), fixture.data.folder.path, "--split", "dev", "--out", index, "--cache-dir", fixture.path("cache")]
        let refused = try CommandRunner.run(dataset)
        #expect(refused.status != 0 && refused.standardError.contains("--replace") && refused.standardError.contains("photos"), "\(refused.standardError)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: index + "/index.json")) == manifest)
        #expect(try Self.ids(index).count == 4)
        // With --replace it is replaced.
        let replaced = try CommandRunner.run(dataset + ["--replace"])
        try #require(replaced.status == 0, "\(replaced.standardError)")
        #expect(try Self.ids(index).count == 40)
        #expect(try GalleryIndex(folder: URL(fileURLWithPath: index)).manifest.photoFolder == nil)
        // A folder of other files is never written into.
        let other = fixture.path("documents")
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: other + "/notes.txt"))
        let intoOther = try CommandRunner.run(["index", "build", fixture.path("run"), folder.path, "--out", other, "--replace"])
        #expect(intoOther.status != 0 && intoOther.standardError.contains("not an index"), "\(intoOther.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: other) == ["notes.txt"])

        // A run with truncated weights: the error names the run's file, and --out is as it was.
        let broken = fixture.path("broken-run")
        try FileManager.default.copyItem(atPath: fixture.path("run"), toPath: broken)
        let walker = try #require(FileManager.default.enumerator(atPath: broken))
        var truncated: [String] = []
        for case let relative as String in walker where relative.hasSuffix("best.safetensors") {
            let url = URL(fileURLWithPath: broken + "/" + relative)
            try Data(try Data(contentsOf: url).prefix(100)).write(to: url)
            truncated.append(url.path)
        }
        try #require(!truncated.isEmpty)
        let fresh = fixture.path("fresh")
        let failed = try CommandRunner.run(["index", "build", broken, folder.path, "--out", fresh])
        #expect(failed.status != 0)
        #expect(truncated.contains { failed.standardError.contains($0) }, "the error does not name the run's file: \(failed.standardError)")
        #expect(!FileManager.default.fileExists(atPath: fresh))
        let retry = try CommandRunner.run(["index", "build", fixture.path("run"), folder.path, "--out", fresh])
        #expect(retry.status == 0, "\(retry.standardError)")
        let before = try Data(contentsOf: URL(fileURLWithPath: index + "/index.json"))
        let failedReplace = try CommandRunner.run(["index", "build", broken, folder.path, "--out", index, "--replace"])
        #expect(failedReplace.status != 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: index + "/index.json")) == before)
        #expect(try Self.ids(index).count == 40)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: fixture.data.folder.path).filter { $0.contains("crossmodal-building") }
        #expect(leftovers.isEmpty, "\(leftovers)")

        // serve refuses limits whose arithmetic would overflow, and a token file others can read.
        let hugeK = try CommandRunner.run(["serve", index, "--port", "0", "--max-k", "9223372036854775807"])
        #expect(hugeK.status != 0 && hugeK.standardError.contains("--max-k"), "\(hugeK.standardError)")
        let openToken = fixture.path("open-token")
        try Data("a-shared-token-1234\n".utf8).write(to: URL(fileURLWithPath: openToken))
        chmod(openToken, 0o644)
        let exposed = try CommandRunner.run(["serve", index, "--port", "0", "--write-token-file", openToken])
        #expect(exposed.status != 0 && exposed.standardError.contains("chmod 600"), "\(exposed.standardError)")
    }
}
