import Foundation
import Testing

/// The report and the search page in headless Chromium (installed by `make test`), with screenshots.
@Suite(.enabled(if: CommandRunner.sharedFlickr8k != nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium")), .serialized)
struct BrowserTests {
    @Test func typedQueryShowsResultImagesAndTheReportRenders() throws {
        let data = try SmallFlickr()
        defer { data.remove() }
        let server = try ServerProcess(index: try ServeCommandTests.smallIndex(data))
        defer { server.stop() }
        let shots = FileManager.default.temporaryDirectory.appendingPathComponent("crossmodal-screenshots")
        try FileManager.default.createDirectory(at: shots, withIntermediateDirectories: true)

        let page = try server.searchPage("a dog runs on the grass", screenshot: shots.appendingPathComponent("search-page.png"))
        #expect(page.standardOutput.contains("result images loaded"))
        let png = try Data(contentsOf: shots.appendingPathComponent("search-page.png"))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 20_000)

        let report = try CommandRunner.run([
            "report", data.path("run"), "--dataset", data.folder.path, "--split", "dev", "--out", data.path("report.html"),
            "--cache-dir", data.path("cache"),
        ])
        try #require(report.status == 0, "\(report.standardError)")
        let shot = try CommandRunner.runProgram(["bash", "scripts/screenshot.sh", data.path("report.html"), shots.appendingPathComponent("report.png").path, "1200", "2400"])
        #expect(shot.status == 0, "\(shot.standardOutput)\(shot.standardError)")
        #expect(try Data(contentsOf: shots.appendingPathComponent("report.png")).count > 50_000)
        print("screenshots in \(shots.path)")
    }
}
