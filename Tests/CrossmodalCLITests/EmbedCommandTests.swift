import Foundation
import Testing

@Suite(.enabled(if: CommandRunner.sharedFlickr8k != nil)) struct EmbedCommandTests {
    /// A Flickr-layout folder with four real shared photos and one corrupt JPEG, all in `dev`, two
    /// captions each (the corrupt photo still has its captions: only the image encoder reads the file).
    struct SmallDataset {
        let folder: URL
        let ids = ["2090545563_a4e66ec76b.jpg", "3393035454_2d2370ffd4.jpg", "3695064885_a6922f06b2.jpg", "1679557684_50a206e4a9.jpg"]

        init() throws {
            let shared = try #require(CommandRunner.sharedFlickr8k)
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("crossmodal-embed-\(UUID().uuidString)")
            let images = folder.appendingPathComponent("images")
            try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
            for id in ids {
                try FileManager.default.copyItem(at: shared.appendingPathComponent("images/\(id)"), to: images.appendingPathComponent(id))
            }
            // A JPEG that starts right and then is garbage.
            try Data([0xFF, 0xD8, 0xFF, 0xE0] + Array(repeating: UInt8(0x42), count: 300)).write(to: images.appendingPathComponent("broken.jpg"))
            let all = ids + ["broken.jpg"]
            let tokens = all.enumerated().flatMap { index, id in
                ["\(id)#0\tA dog runs across the grass number \(index) .", "\(id)#1\tA person stands near the water ."]
            }
            try (tokens.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("Flickr8k.token.txt"), atomically: true, encoding: .utf8)
            try (all.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("Flickr_8k.devImages.txt"), atomically: true, encoding: .utf8)
        }

        func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
        func remove() { try? FileManager.default.removeItem(at: folder) }
    }

    func readLines(_ path: String) throws -> [String] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
    }

    @Test func imagesSkipTheCorruptJPEGAndReuseTheCache() throws {
        let data = try SmallDataset()
        defer { data.remove() }
        let arguments = ["embed", "images", data.folder.path, "--split", "dev", "--out", data.path("out/dev.npy"), "--cache-dir", data.path("cache")]
        let first = try CommandRunner.run(arguments)
        #expect(first.status == 0, "\(first.standardError)")
        #expect(first.standardError.contains("broken.jpg"))
        #expect(first.standardOutput.contains("skipped 1 unreadable image"))
        #expect(try readLines(data.path("out/dev.ids.txt")) == data.ids)
        let shape = try NumPyCheck.shape(data.path("out/dev.npy"))
        #expect(shape == [4, 1280])

        let second = try CommandRunner.run(arguments)
        #expect(second.status == 0)
        #expect(second.standardOutput.contains("from the cache"))
        #expect(second.standardError.contains("broken.jpg"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: data.path("out/dev.npy"))).count > 4 * 1280 * 4)

        let strict = try CommandRunner.run(arguments + ["--strict", "--no-cache"])
        #expect(strict.status != 0)
        #expect(strict.standardError.contains("broken.jpg"))
    }

    @Test func textsWithEveryEncoder() throws {
        let data = try SmallDataset()
        defer { data.remove() }
        for (encoder, width) in [("minilm", 384), ("glove-mean", 50), ("glove-sum", 50)] {
            let result = try CommandRunner.run([
                "embed", "texts", data.folder.path, "--split", "dev", "--encoder", encoder,
                "--out", data.path("\(encoder).npy"), "--no-cache",
            ])
            #expect(result.status == 0, "\(encoder): \(result.standardError)")
            #expect(try NumPyCheck.shape(data.path("\(encoder).npy")) == [10, width])
            let ids = try readLines(data.path("\(encoder).ids.txt"))
            #expect(ids.first == "\(data.ids[0])#0" && ids.count == 10)
        }
    }

    @Test func unknownEncoderAndAbsentSplitAreClearErrors() throws {
        let data = try SmallDataset()
        defer { data.remove() }
        try CommandRunner.expectFailure(["embed", "texts", data.folder.path, "--split", "dev", "--encoder", "bert", "--out", data.path("x.npy")], saying: "minilm")
        try CommandRunner.expectFailure(["embed", "images", data.folder.path, "--split", "test", "--out", data.path("x.npy")], saying: "split 'test' is absent")
    }
}

/// Reads `.npy` shapes with NumPy, an oracle independent of our reader.
enum NumPyCheck {
    static func shape(_ path: String) throws -> [Int] {
        let output = try CommandRunner.runProgram(
            ["python3", "-c", "import sys, numpy as np; print(' '.join(map(str, np.load(sys.argv[1]).shape)))", path]
        ).standardOutput
        return output.split(separator: " ").compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }
}
