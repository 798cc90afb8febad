import Foundation
import Numerics
import Search
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A trained run (triplet networks: separate direction models, a Euclidean space) and photos to index.
final class PhotoFixture {
    let data: SmallFlickr
    let photos: [URL]

    init() throws {
        let data = try SmallFlickr()
        let train = try data.trainTripletNetworks(width: 32)
        try #require(train.status == 0, "\(train.standardError)")
        photos = try FileManager.default.contentsOfDirectory(atPath: data.path("images")).sorted().map { URL(fileURLWithPath: data.path("images/\($0)")) }
        self.data = data
    }

    func path(_ name: String) -> String { data.path(name) }

    /// A folder of the first `count` photos, some in a subfolder, with a symbolic link loop, a broken photo and a text file.
    func photoFolder(_ name: String, count: Int) throws -> URL {
        let folder = URL(fileURLWithPath: path(name))
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("trip/day2"), withIntermediateDirectories: true)
        for (i, photo) in photos.prefix(count).enumerated() {
            let target = folder.appendingPathComponent(i % 3 == 0 ? "trip/day2/\(photo.lastPathComponent)" : photo.lastPathComponent)
            try FileManager.default.copyItem(at: photo, to: target)
        }
        try FileManager.default.createSymbolicLink(atPath: folder.appendingPathComponent("trip/day2/loop").path, withDestinationPath: folder.path)
        try Data("not a photo".utf8).write(to: folder.appendingPathComponent("broken.jpg"))
        try Data("notes".utf8).write(to: folder.appendingPathComponent("notes.txt"))
        return folder
    }

    func remove() { data.remove() }
}

@Suite(.enabled(if: CommandRunner.sharedFlickr8k != nil), .serialized) struct PhotoGalleryCommandTests {
    @Test func aFolderOfPhotosIsIndexedRefreshedAndChanged() throws {
        let fixture = try PhotoFixture()
        defer { fixture.remove() }
        let folder = try fixture.photoFolder("photos", count: 12)
        let first = fixture.photos[1].lastPathComponent
        try "\(first)\ta dog runs on the grass\n".write(toFile: fixture.path("captions.tsv"), atomically: true, encoding: .utf8)
        let build = try CommandRunner.run([
            "index", "build", fixture.path("run"), folder.path, "--out", fixture.path("index"), "--captions", fixture.path("captions.tsv"),
        ])
        try #require(build.status == 0, "\(build.standardError)")
        #expect(build.standardOutput.contains("12 added, 0 changed, 0 unchanged, 0 removed, 1 skipped"), "\(build.standardOutput)")
        #expect(build.standardError.contains("broken.jpg"))
        var index = try GalleryIndex(folder: URL(fileURLWithPath: fixture.path("index")))
        #expect(index.catalog.liveImageCount == 12)
        #expect(index.catalog.image(id: "trip/day2/" + fixture.photos[0].lastPathComponent) != nil)
        #expect(index.catalog.image(id: first)?.captionIDs == ["\(first)#0"])
        #expect(Set(index.backend.sets) == [.images, .captions, .imagesForTextQueries])

        // A text query finds photos; an image query finds the one caption.
        let search = try CommandRunner.run(["search", fixture.path("index"), "--text", "a dog", "-k", "3", "--json"])
        try #require(search.status == 0, "\(search.standardError)")
        let captions = try CommandRunner.run(["search", fixture.path("index"), "--image", fixture.photos[1].path, "--json"])
        #expect(captions.status == 0 && captions.standardOutput.contains("a dog runs on the grass"), "\(captions.standardOutput)")

        // One file deleted, one changed, one new: a refresh embeds two, replaces the changed one's entry and keeps
        // the deleted one until --prune.
        try FileManager.default.removeItem(at: folder.appendingPathComponent(fixture.photos[2].lastPathComponent))
        let changed = folder.appendingPathComponent(fixture.photos[4].lastPathComponent)
        try FileManager.default.removeItem(at: changed)
        try FileManager.default.copyItem(at: fixture.photos[20], to: changed)
        try FileManager.default.copyItem(at: fixture.photos[21], to: folder.appendingPathComponent("trip/new.jpg"))
        let rebuild = try CommandRunner.run(["index", "build", fixture.path("run"), folder.path, "--out", fixture.path("index")])
        try #require(rebuild.status == 0, "\(rebuild.standardError)")
        #expect(rebuild.standardOutput.contains("1 added, 1 changed, 10 unchanged, 0 removed"), "\(rebuild.standardOutput)")
        #expect(rebuild.standardOutput.contains("kept: 1 images"), "\(rebuild.standardOutput)")
        let prune = try CommandRunner.run(["index", "build", fixture.path("run"), folder.path, "--out", fixture.path("index"), "--prune"])
        try #require(prune.status == 0, "\(prune.standardError)")
        #expect(prune.standardOutput.contains("0 added, 0 changed, 12 unchanged, 1 removed"), "\(prune.standardOutput)")
        // Another run may not write into this index.
        let other = try CommandRunner.run(["index", "build", fixture.path("cache"), folder.path, "--out", fixture.path("index")])
        #expect(other.status != 0)

        // add, remove and compact.
        let add = try CommandRunner.run(["index", "add", fixture.path("index"), fixture.photos[30].path])
        #expect(add.status == 0 && add.standardOutput.contains("added \(fixture.photos[30].lastPathComponent)"), "\(add.standardError)")
        let remove = try CommandRunner.run(["index", "remove", fixture.path("index"), "trip/new.jpg", "absent.jpg"])
        #expect(remove.status == 0 && remove.standardOutput.contains("removed trip/new.jpg") && remove.standardError.contains("absent.jpg"))
        let compact = try CommandRunner.run(["index", "compact", fixture.path("index")])
        #expect(compact.status == 0 && compact.standardOutput.contains("3 image rows"), "\(compact.standardOutput) \(compact.standardError)")
        index = try GalleryIndex(folder: URL(fileURLWithPath: fixture.path("index")))
        #expect(index.catalog.images.count == 12 && index.catalog.liveImageCount == 12)
        #expect(index.catalog.image(id: "trip/new.jpg") == nil)
        let again = try CommandRunner.run(["search", fixture.path("index"), "--text", "a dog", "-k", "12", "--json"])
        #expect(again.status == 0 && again.standardOutput.components(separatedBy: "\"id\"").count - 1 == 12)
    }

    @Test func serverWritesNeedTheToken() throws {
        let fixture = try PhotoFixture()
        defer { fixture.remove() }
        let folder = try fixture.photoFolder("photos", count: 6)
        let build = try CommandRunner.run(["index", "build", fixture.path("run"), folder.path, "--out", fixture.path("index")])
        try #require(build.status == 0, "\(build.standardError)")
        let photo = try Data(contentsOf: fixture.photos[40])
        do {
            let readOnly = try ServerProcess(index: fixture.path("index"))
            defer { readOnly.stop() }
            #expect(try readOnly.request("/api/images", method: "POST", body: photo).status == 403)
            #expect(try readOnly.request("/api/images/\(fixture.photos[1].lastPathComponent)", method: "DELETE").status == 403)
        }
        let token = "a-long-enough-token"
        let server = try ServerProcess(index: fixture.path("index"), extra: ["--write-token", token])
        defer { server.stop() }
        let bearer = ["Authorization": "Bearer \(token)"]
        #expect(try server.request("/api/images", method: "POST", body: photo).status == 401)
        #expect(try server.request("/api/images", method: "POST", body: photo, headers: ["Authorization": "Bearer a-long-enough-tokeN"]).status == 401)
        #expect(try server.request("/api/images", method: "POST", body: Data("junk".utf8), headers: bearer).status == 400)
        #expect(try server.json("/healthz").object["images"] as? Int == 6)
        let added = try server.request("/api/images?id=mine/one.jpg&caption=two%20dogs%20in%20the%20snow", method: "POST", body: photo, headers: bearer)
        #expect(added.status == 201, "\(String(decoding: added.body, as: UTF8.self))")
        #expect(try server.request("/api/images?id=mine/one.jpg", method: "POST", body: photo, headers: bearer).status == 409)
        #expect(try server.json("/healthz").object["images"] as? Int == 7)
        let item = try server.json("/api/items/mine%2Fone.jpg")
        #expect(item.status == 200 && (item.object["captions"] as? [String]) == ["two dogs in the snow"])
        #expect(try server.request("/api/images/mine%2Fone.jpg").status == 200)
        #expect(try server.request("/api/images/mine%2Fone.jpg", method: "DELETE").status == 401)
        #expect(try server.request("/api/images/mine%2Fone.jpg", method: "DELETE", headers: bearer).status == 200)
        #expect(try server.request("/api/images/mine%2Fone.jpg", method: "DELETE", headers: bearer).status == 404)
        #expect(try server.json("/healthz").object["images"] as? Int == 6)
        let page = String(decoding: try server.request("/").body, as: UTF8.self)
        #expect(page.contains("Add to gallery"))
    }

    @Test(arguments: ["local", "postgres"]) func killedWritersLoseNothingAcknowledged(backend: String) throws {
        let fixture = try PhotoFixture()
        defer { fixture.remove() }
        let server = backend == "postgres" ? try PostgresServer() : nil
        defer { server?.stop() }
        // 1,000 photos of the shared data, as links, each with one caption naming it.
        let shared = try #require(CommandRunner.sharedFlickr8k).appendingPathComponent("images")
        let names = try FileManager.default.contentsOfDirectory(atPath: shared.path).sorted().prefix(1000)
        let photos = URL(fileURLWithPath: fixture.path("photos"))
        try FileManager.default.createDirectory(at: photos, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: fixture.path("empty"), withIntermediateDirectories: true)
        for name in names {
            try FileManager.default.createSymbolicLink(atPath: photos.appendingPathComponent(name).path, withDestinationPath: shared.appendingPathComponent(name).path)
        }
        try names.map { "photos/\($0)\tcaption of photos/\($0)" }.joined(separator: "\n").write(toFile: fixture.path("captions.tsv"), atomically: true, encoding: .utf8)
        var create = ["index", "build", fixture.path("run"), fixture.path("empty"), "--out", fixture.path("index")]
        if let server { create += ["--backend", server.url, "--table-prefix", "killed"] }
        let created = try CommandRunner.run(create)
        try #require(created.status == 0, "\(created.standardError)")

        // Twelve kills at random moments (0 to 1.5 s after the writer's first acknowledgement, so inside
        // its stream of additions), then one run to the end.
        var generator = SeededGenerator(seed: backend == "local" ? 11 : 12)
        var acknowledged: Set<String> = []
        var kills = 0
        var finished = false
        for attempt in 0..<20 where !finished {
            let writer = try KilledWriter(arguments: [
                "index", "add", fixture.path("index"), photos.path, "--captions", fixture.path("captions.tsv"), "--batch-size", "1",
            ])
            let delay = attempt < 12 ? 1.5 * Double(generator.next() % 1000) / 1000 : nil
            finished = writer.run(killingAfterFirstAcknowledgement: delay)
            if !finished { kills += 1 }
            acknowledged.formUnion(writer.acknowledged)
        }
        try #require(finished, "the writer never finished")
        #expect(kills >= 10, "only \(kills) kills: the writer was not interrupted enough to test anything")

        let index = try GalleryIndex(folder: URL(fileURLWithPath: fixture.path("index")))
        let catalog = index.catalog
        #expect(catalog.liveImageCount == 1000 && catalog.liveCaptionCount == 1000)
        #expect(acknowledged.count >= 900, "\(acknowledged.count) acknowledged")
        for id in acknowledged { #expect(catalog.image(id: id) != nil, "acknowledged \(id) is missing") }
        // Nothing half-written: each image has its one caption and its vectors.
        for image in catalog.images where !image.removed {
            #expect(image.captionIDs == ["\(image.id)#0"] && catalog.caption(id: "\(image.id)#0")?.text == "caption of \(image.id)")
            #expect(try index.storedVector(ofImage: image.id) != nil, "\(image.id) has no vector")
        }
        if let remote = index.backend as? PostgresVectorSearch {
            // Each table holds exactly the live rows, under the catalogue's ids.
            for set in [VectorSet.images, .imagesForTextQueries, .captions] {
                let stored = try remote.storedIDs(set)
                let expected = set.holdsImages
                    ? Dictionary(uniqueKeysWithValues: catalog.images.enumerated().filter { !$0.element.removed }.map { ($0.offset, $0.element.id) })
                    : Dictionary(uniqueKeysWithValues: catalog.captions.enumerated().filter { !$0.element.removed }.map { ($0.offset, $0.element.id) })
                #expect(stored == expected, "\(set.rawValue): \(stored.count) rows stored, \(expected.count) expected")
            }
        } else {
            // Exact search: each image's stored vector finds the image itself first.
            var selfMatches = 0
            for image in catalog.images where !image.removed {
                let vector = try #require(try index.storedVector(ofImage: image.id))
                if try index.images(similarToImage: vector, k: 1).first?.id == image.id { selfMatches += 1 }
            }
            #expect(selfMatches == 1000, "\(selfMatches) of 1,000 images are their own nearest neighbour")
        }
    }
}

/// `crossmodal index add` run until it ends or is killed with SIGKILL, collecting the ids it acknowledged.
final class KilledWriter: @unchecked Sendable {
    let process = Process()
    private let output = Pipe()
    private let lock = NSLock()
    private var text = ""

    init(arguments: [String]) throws {
        process.executableURL = CommandRunner.executable
        process.arguments = arguments
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
    }

    /// Runs the writer; kills it `seconds` after its first acknowledgement unless it ended first (never, for nil).
    /// True when it ended by itself with status 0.
    func run(killingAfterFirstAcknowledgement seconds: Double?) -> Bool {
        guard (try? process.run()) != nil else { return false }
        let handle = output.fileHandleForReading
        let reader = DedicatedThread {
            while true {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                self.lock.withLock { self.text += String(decoding: chunk, as: UTF8.self) }
            }
        }
        var deadline: Date?
        while process.isRunning {
            if deadline == nil, let seconds, !acknowledged.isEmpty { deadline = Date().addingTimeInterval(seconds) }
            if let deadline, Date() >= deadline { break }
            usleep(5_000)
        }
        let killed = process.isRunning
        if killed { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        reader.wait()
        return !killed && process.terminationReason == .exit && process.terminationStatus == 0
    }

    /// Ids printed as `added ID` on complete lines.
    var acknowledged: [String] {
        lock.withLock {
            text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
                .compactMap { $0.hasPrefix("added ") ? String($0.dropFirst(6)) : nil }
        }
    }
}
