import Foundation
import Testing

/// `index duplicates` groups copies of one photo; an image item names its file (the page shows it beside a "full
/// size" link); searches can be kept to one folder.
@Suite(.enabled(if: CommandRunner.sharedFlickr8k != nil), .serialized)
struct PhotoDuplicatesCommandTests {
    @Test func copiesAreGroupedAndResultsNameTheirFiles() throws {
        let fixture = try PhotoFixture()
        defer { fixture.remove() }
        let folder = URL(fileURLWithPath: fixture.path("dupes"))
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for photo in fixture.photos.prefix(6) { try FileManager.default.copyItem(at: photo, to: folder.appendingPathComponent(photo.lastPathComponent)) }
        let (first, second) = (fixture.photos[0].lastPathComponent, fixture.photos[1].lastPathComponent)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("burst"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: fixture.photos[0], to: folder.appendingPathComponent("burst/copy-a.jpg"))
        try FileManager.default.copyItem(at: fixture.photos[0], to: folder.appendingPathComponent("burst/copy-b.jpg"))
        try FileManager.default.copyItem(at: fixture.photos[1], to: folder.appendingPathComponent("again.jpg"))
        let build = try CommandRunner.run(["index", "build", fixture.path("run"), folder.path, "--out", fixture.path("index")])
        try #require(build.status == 0, "\(build.standardError)")

        let listed = try CommandRunner.run(["index", "duplicates", fixture.path("index"), "--json"])
        try #require(listed.status == 0, "\(listed.standardError)")
        let groups = try #require(try JSONSerialization.jsonObject(with: Data(listed.standardOutput.utf8)) as? [[String: Any]])
        #expect(groups.map { Set($0["ids"] as? [String] ?? []) } == [Set(["burst/copy-a.jpg", "burst/copy-b.jpg", first]), Set(["again.jpg", second])])
        #expect(groups.allSatisfy { ($0["minSimilarity"] as? Double ?? 0) > 0.999 })
        #expect((groups.first?["paths"] as? [String])?.allSatisfy { $0.hasPrefix(folder.standardizedFileURL.path + "/") } == true)
        let text = try CommandRunner.run(["index", "duplicates", fixture.path("index")])
        #expect(text.standardOutput.contains("group 1: 3 photos") && text.standardOutput.contains("2 groups, 5 photos"), "\(text.standardOutput)")
        let bad = try CommandRunner.run(["index", "duplicates", fixture.path("index"), "--min-similarity", "0"])
        #expect(bad.status != 0 && bad.standardError.contains("--min-similarity must be in (0, 1]"), "\(bad.standardError)")

        // An image item names its file; the page links each photo to its full size and shows the file of the one opened.
        let server = try ServerProcess(index: fixture.path("index"))
        defer { server.stop() }
        let item = try server.json("/api/items/burst%2Fcopy-a.jpg")
        #expect(item.object["path"] as? String == folder.standardizedFileURL.path + "/burst/copy-a.jpg", "\(item.object)")
        // A folder filter keeps the images under it, in the CLI and the API; a bad one is refused.
        let inBurst = try CommandRunner.run(["search", fixture.path("index"), "--text", "a dog", "-k", "5", "--min-probability", "0", "--folder", "burst", "--json"])
        try #require(inBurst.status == 0, "\(inBurst.standardError)")
        let burstIDs = ((try JSONSerialization.jsonObject(with: Data(inBurst.standardOutput.utf8)) as? [String: Any])?["results"] as? [[String: Any]])?
            .compactMap { $0["id"] as? String }
        #expect(Set(burstIDs ?? []) == ["burst/copy-a.jpg", "burst/copy-b.jpg"])
        let servedBurst = try server.json("/api/search?k=5&text=a%20dog&min_probability=0&folder=burst")
        #expect(Set((servedBurst.object["results"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []) == ["burst/copy-a.jpg", "burst/copy-b.jpg"])
        let similar = try server.json("/api/search?k=5&target=images&image_id=\(first)&folder=burst")
        #expect(Set((similar.object["results"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []) == ["burst/copy-a.jpg", "burst/copy-b.jpg"])
        #expect(try server.json("/api/search?k=5&text=a%20dog&folder=%01x").status == 400)
        let page = try server.request("/")
        let html = String(decoding: page.body, as: UTF8.self)
        #expect(html.contains("full.textContent = \"full size\"") && html.contains("id=\"folder\""))
    }
}
