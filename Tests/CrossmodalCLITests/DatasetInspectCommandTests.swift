import Foundation
import Testing

@Suite struct DatasetInspectCommandTests {
    func decode(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test(.enabled(if: CommandRunner.sharedFlickr8k != nil, "needs ../shared/flickr8k"))
    func sharedFlickr8kAsJSON() throws {
        let shared = try #require(CommandRunner.sharedFlickr8k)
        let result = try CommandRunner.run(["dataset", "inspect", shared.path, "--json"])
        #expect(result.status == 0, "\(result.standardError)")
        let summary = try decode(result.standardOutput)
        let splits = try #require(summary["splits"] as? [String: [String: Any]])
        #expect(splits["train"]?["images"] as? Int == 6000)
        #expect(splits["train"]?["captions"] as? Int == 30000)
        #expect(splits["dev"]?["images"] as? Int == 1000)
        #expect(splits["dev"]?["captions"] as? Int == 5000)
        #expect(summary["absentSplits"] as? [String] == ["test"])
    }

    @Test func folderWithTestSplitReportsIt() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("crossmodal-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("images"), withIntermediateDirectories: true)
        for name in ["a.jpg", "b.jpg", "c.jpg"] {
            try Data("x".utf8).write(to: folder.appendingPathComponent("images/\(name)"))
        }
        try "a.jpg#0\tOne.\nb.jpg#0\tTwo.\nc.jpg#0\tThree words here.\n".write(
            to: folder.appendingPathComponent("Flickr8k.token.txt"), atomically: true, encoding: .utf8)
        try "a.jpg\n".write(to: folder.appendingPathComponent("Flickr_8k.trainImages.txt"), atomically: true, encoding: .utf8)
        try "b.jpg\n".write(to: folder.appendingPathComponent("Flickr_8k.devImages.txt"), atomically: true, encoding: .utf8)
        try "c.jpg\nunknown.jpg\n".write(to: folder.appendingPathComponent("Flickr_8k.testImages.txt"), atomically: true, encoding: .utf8)

        let json = try CommandRunner.run(["dataset", "inspect", folder.path, "--json"])
        #expect(json.status == 0)
        let summary = try decode(json.standardOutput)
        #expect(summary["absentSplits"] as? [String] == [])
        let splits = try #require(summary["splits"] as? [String: [String: Any]])
        #expect(splits["test"]?["images"] as? Int == 1)
        #expect(summary["skipped"] as? [String: Int] == ["unknown-image-in-split": 1])

        let text = try CommandRunner.run(["dataset", "inspect", folder.path])
        #expect(text.standardOutput.contains("test"))
        #expect(text.standardOutput.contains("Skipped records: 1 (1 unknown-image-in-split)"))
        #expect(text.standardOutput.contains("unknown.jpg has no captions"))

        try CommandRunner.expectFailure(["dataset", "inspect", folder.path, "--strict"], saying: "unknown-image-in-split")
    }

    @Test func missingFolderFailsWithAMessage() throws {
        try CommandRunner.expectFailure(["dataset", "inspect", "/nonexistent/dataset"], saying: "no dataset at /nonexistent/dataset")
    }
}
