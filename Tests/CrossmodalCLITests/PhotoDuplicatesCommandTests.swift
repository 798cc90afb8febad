import Foundation
import Testing

/// `index duplicates` groups copies of one photo, and search results name each photo's file for the page's
/// "full size" link and path line.
@Suite(.enabled(if: CommandRunner.sharedFlickr8k != nil), .serialized)
struct PhotoDuplicatesCommandTests {
    @Test func copiesAreGroupedAndResultsNameTheirFiles() throws {
        let fixture = try PhotoFixture()
        defer { fixture.remove() }
        let folder = URL(fileURLWithPath: fixture.path("dupes"))
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        for photo in fixture.photos.prefix(6) { try FileManager.default.copyItem(at: photo, to: folder.appendingPathComponent(photo.lastPathComponent)) }
        let (first, second) = (fixture.photos[0].lastPathComponent, fixture.photos[1].lastPathComponent)
        try FileManager.default.copyItem(at: fixture.photos[0], to: folder.appendingPathComponent("copy-a.jpg"))
        try FileManager.default.copyItem(at: fixture.photos[0], to: folder.appendingPathComponent("copy-b.jpg"))
        try FileManager.default.copyItem(at: fixture.photos[1], to: folder.appendingPathComponent("again.jpg"))
        let build = try CommandRunner.run(["index", "build", fixture.path("run"), folder.path, "--out", fixture.path("index")])
        try #require(build.status == 0, "\(build.standardError)")

        let listed = try CommandRunner.run(["index", "duplicates", fixture.path("index"), "--json"])
        try #require(listed.status == 0, "\(listed.standardError)")
        let groups = try #require(try JSONSerialization.jsonObject(with: Data(listed.standardOutput.utf8)) as? [[String: Any]])
        #expect(groups.map { Set($0["ids"] as? [String] ?? []) } == [Set(["copy-a.jpg", "copy-b.jpg", first]), Set(["again.jpg", second])])
        #expect(groups.allSatisfy { ($0["minSimilarity"] as? Double ?? 0) > 0.999 })
        #expect((groups.first?["paths"] as? [String])?.allSatisfy { $0.hasPrefix(folder.standardizedFileURL.path + "/") } == true)
        let text = try CommandRunner.run(["index", "duplicates", fixture.path("index")])
        #expect(text.standardOutput.contains("group 1: 3 photos") && text.standardOutput.contains("2 groups, 5 photos"), "\(text.standardOutput)")
        let bad = try CommandRunner.run(["index", "duplicates", fixture.path("index"), "--min-similarity", "0"])
        #expect(bad.status != 0 && bad.standardError.contains("--min-similarity must be in (0, 1]"), "\(bad.standardError)")

        // Image results carry their file; the page links each to its full size and shows the path.
        let server = try ServerProcess(index: fixture.path("index"))
        defer { server.stop() }
        let answer = try server.json("/api/search?k=3&text=a%20dog&min_probability=0")
        let results = try #require(answer.object["results"] as? [[String: Any]])
        #expect(!results.isEmpty && results.allSatisfy { ($0["path"] as? String)?.hasPrefix(folder.standardizedFileURL.path) == true }, "\(results)")
        let page = try server.request("/")
        #expect(String(decoding: page.body, as: UTF8.self).contains("full.textContent = \"full size\""))
    }
}
