import Foundation
import Testing

/// The report and the search page in headless Chromium (installed by `make test`), with screenshots.
@Suite(.enabled(if: CommandRunner.sharedFlickr8k != nil && FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium")), .serialized)
struct BrowserTests {
    static var repository: URL {
        var folder = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { folder.deleteLastPathComponent() }
        return folder
    }

    /// Runs a repository script and returns its exit status and output.
    func script(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.currentDirectoryURL = Self.repository
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func typedQueryShowsResultImagesAndTheReportRenders() throws {
        let data = try SmallFlickr()
        defer { data.remove() }
        try ServeCommandTests.smallIndex(data)
        let server = try ServerProcess(index: data.path("index"))
        defer { server.stop() }
        let shots = FileManager.default.temporaryDirectory.appendingPathComponent("crossmodal-screenshots")
        try FileManager.default.createDirectory(at: shots, withIntermediateDirectories: true)

        let page = try script([
            "python3", "scripts/search_page_screenshot.py", "http://127.0.0.1:\(server.port)/", "a dog runs on the grass",
            shots.appendingPathComponent("search-page.png").path,
        ])
        #expect(page.status == 0, "\(page.output)")
        #expect(page.output.contains("result images loaded"))
        let png = try Data(contentsOf: shots.appendingPathComponent("search-page.png"))
        #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]) && png.count > 20_000)

        let report = try CommandRunner.run([
            "report", data.path("run"), "--dataset", data.folder.path, "--split", "dev", "--out", data.path("report.html"),
            "--cache-dir", data.path("cache"),
        ])
        try #require(report.status == 0, "\(report.standardError)")
        let shot = try script(["bash", "scripts/screenshot.sh", data.path("report.html"), shots.appendingPathComponent("report.png").path, "1200", "2400"])
        #expect(shot.status == 0, "\(shot.output)")
        #expect(try Data(contentsOf: shots.appendingPathComponent("report.png")).count > 50_000)
        print("screenshots in \(shots.path)")
    }
}
