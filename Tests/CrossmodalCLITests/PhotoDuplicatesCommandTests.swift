import Foundation
import Testing
import TestSupport

/// `index duplicates` groups copies of one photo, and search answers group them; an image item names its file (the page
/// shows it beside a "full size" link); searches can be kept to one folder and to a span of dates.
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
        // Dates: the burst's file times say 2023-05-01, the rest 2022-01-15; again.jpg's EXIF says 2019-07-04 (its file time, 2024, loses).
        try ExifJPEG.inserting(ExifJPEG.dateSegment(original: "2019:07:04 10:00:00"), into: Data(contentsOf: fixture.photos[1]))
            .write(to: folder.appendingPathComponent("again.jpg"))
        func touch(_ name: String, _ seconds: Double) throws {
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: seconds)], ofItemAtPath: folder.appendingPathComponent(name).path)
        }
        for photo in fixture.photos.prefix(6) { try touch(photo.lastPathComponent, 1_642_204_800) }
        try touch("burst/copy-a.jpg", 1_682_942_400)
        try touch("burst/copy-b.jpg", 1_682_942_400)
        try touch("again.jpg", 1_717_200_000)
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
        #expect(html.contains("id=\"from\"") && html.contains("near-duplicate"))

        // Search answers fold copies: with every image shown, the two groups, each in rank order.
        let everything = try server.json("/api/search?k=9&text=a%20dog&min_probability=0")
        let shown = (everything.object["results"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        let answerGroups = everything.object["duplicate_groups"] as? [[String]] ?? []
        #expect(shown.count == 9 && Set(answerGroups.map(Set.init)) == [Set(["burst/copy-a.jpg", "burst/copy-b.jpg", first]), Set(["again.jpg", second])],
                "\(answerGroups)")
        #expect(answerGroups.allSatisfy { group in group == shown.filter(group.contains) })

        // Dates: CLI and API keep the photos taken in the span; the item says when; bad dates are refused.
        let may = try CommandRunner.run([
            "search", fixture.path("index"), "--text", "a dog", "-k", "9", "--min-probability", "0", "--taken-from", "2023-05-01", "--taken-to", "2023-05-01", "--json",
        ])
        try #require(may.status == 0, "\(may.standardError)")
        let mayIDs = ((try JSONSerialization.jsonObject(with: Data(may.standardOutput.utf8)) as? [String: Any])?["results"] as? [[String: Any]])?
            .compactMap { $0["id"] as? String }
        #expect(Set(mayIDs ?? []) == ["burst/copy-a.jpg", "burst/copy-b.jpg"])
        let old = try server.json("/api/search?k=9&text=a%20dog&min_probability=0&taken_to=2019-12-31")
        #expect((old.object["results"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == ["again.jpg"], "\(old.object)")
        let later = try server.json("/api/search?k=9&target=images&image_id=\(first)&taken_from=2022-01-15T00:00:00&taken_to=2022-01-15")
        #expect((later.object["results"] as? [[String: Any]])?.count == 5, "\(later.object)")  // the six of 2022-01-15 less the query
        #expect(try server.json("/api/items/again.jpg").object["taken"] as? String == "2019-07-04T10:00:00")
        #expect(try server.json("/api/items/burst%2Fcopy-a.jpg").object["taken"] as? String == "2023-05-01T12:00:00")
        #expect(try server.json("/api/search?k=5&text=a%20dog&taken_from=2019-02-29").status == 400)
        #expect(try server.json("/api/search?k=5&text=a%20dog&taken_from=2020-01-02&taken_to=2020-01-01").status == 400)
        let badDate = try CommandRunner.run(["search", fixture.path("index"), "--text", "a dog", "--taken-to", "last week"])
        #expect(badDate.status != 0 && badDate.standardError.contains("is not a date: give YYYY-MM-DD"), "\(badDate.standardError)")
    }
}
