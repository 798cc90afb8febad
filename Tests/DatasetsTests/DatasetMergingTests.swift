import Foundation
import Testing

@testable import Datasets

/// Two datasets merged into one JSON Lines file read back as one dataset with both sources' splits.
@Suite struct DatasetMergingTests {
    @Test func mergedFileReadsBackWithEverySplitAndFile() throws {
        let fixture = try DatasetFixture()
        defer { fixture.remove() }
        try fixture.touchImages(["a.jpg", "b.jpg"], folder: "captions/images")
        try fixture.write("captions/pairs.jsonl", """
            {"image": "images/a.jpg", "text": "A dog on grass.", "split": "train"}
            {"image": "images/a.jpg", "text": "A brown dog.", "split": "train"}
            {"image": "images/b.jpg", "text": "A cat.", "split": "dev"}
            """)
        try fixture.touchImages(["n.jpg"], folder: "news/images")
        try fixture.write("news/pairs.jsonl", """
            {"image": "images/n.jpg", "text": "Parliament votes.", "split": "train"}
            """)
        let captions = try Dataset.load(from: fixture.url.appendingPathComponent("captions"))
        let news = try Dataset.load(from: fixture.url.appendingPathComponent("news"))
        let out = fixture.url.appendingPathComponent("merged/deeper")
        let (data, counts) = try Dataset.mergedJSONLines([("captions", captions), ("news", news)], relativeTo: out)
        #expect(counts == ["captions": ["train": 2, "dev": 1], "news": ["train": 1]])
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let file = out.appendingPathComponent("pairs.jsonl")
        try data.write(to: file)
        #expect(String(decoding: data, as: UTF8.self).contains("\"image\":\"../../captions/images/a.jpg\""))
        let merged = try Dataset.load(from: file)
        #expect(merged.issues.isEmpty, "\(merged.issues)")
        #expect(try merged.captions(in: "train").map(\.text) == ["A dog on grass.", "A brown dog.", "Parliament votes."])
        #expect(try merged.captions(in: "dev").map(\.text) == ["A cat."])
        #expect(merged.images.allSatisfy { FileManager.default.fileExists(atPath: $0.file.path) })
        // The same name twice is refused rather than giving clashing ids.
        #expect(throws: DatasetError.self) { try Dataset.mergedJSONLines([("x", captions), ("x", news)], relativeTo: out) }
    }

    @Test func relativePaths() {
        #expect(Dataset.relativePath(from: ["/", "w", "out"], to: ["/", "w", "data", "a.jpg"]) == "../data/a.jpg")
        #expect(Dataset.relativePath(from: ["/", "w"], to: ["/", "w", "a.jpg"]) == "a.jpg")
        #expect(Dataset.relativePath(from: ["/", "x", "y"], to: ["/", "a.jpg"]) == "../../a.jpg")
    }
}
