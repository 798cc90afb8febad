import Datasets
import Foundation
import Testing

@Suite struct FlickrLayoutTests {
    /// a, b, c in train; d in dev; e has no split; plus planted problems.
    func makeFixture() throws -> DatasetFixture {
        let fixture = try DatasetFixture()
        try fixture.touchImages(["a.jpg", "b.jpg", "c.jpg", "d.jpg", "e.jpg"])
        try fixture.write("Flickr8k.token.txt", """
            a.jpg#0\tA dog runs .
            a.jpg#1\tA brown dog runs on the grass .
            b.jpg#0\tTwo children play .
            b.jpg#0\tA duplicate id for b .
            b.jpg#1\t   
            c.jpg#0\tA cat sleeps .
            d.jpg#0\tA man rides a bike .
            e.jpg#0\tNobody assigned this one .
            missing.jpg#0\tThe file of this image is gone .
            this line has no tab
            noNumber.jpg\tNo caption number .

            """)
        try fixture.write("Flickr_8k.trainImages.txt", "a.jpg\nb.jpg\nc.jpg\nghost.jpg\nmissing.jpg\n")
        try fixture.write("Flickr_8k.devImages.txt", "d.jpg\nc.jpg\n")
        return fixture
    }

    @Test func loadsValidRecordsAndReportsEveryProblem() throws {
        let fixture = try makeFixture()
        defer { fixture.remove() }
        let dataset = try Dataset.load(from: fixture.url)
        #expect(dataset.format == .flickr)
        #expect(try dataset.images(in: "train").map(\.id) == ["a.jpg", "b.jpg", "c.jpg"])
        #expect(try dataset.images(in: "dev").map(\.id) == ["d.jpg"])
        #expect(try dataset.captions(in: "train").map(\.id) == ["a.jpg#0", "a.jpg#1", "b.jpg#0", "c.jpg#0"])
        #expect(try dataset.captions(in: "train")[2].text == "Two children play .")
        let kinds = dataset.issues.map(\.kind)
        #expect(kinds.filter { $0 == .duplicateID }.count == 1)
        #expect(kinds.filter { $0 == .emptyCaption }.count == 1)
        #expect(kinds.filter { $0 == .malformedRecord }.count == 2)
        #expect(kinds.filter { $0 == .unknownImageInSplit }.count == 1)
        #expect(kinds.filter { $0 == .imageInSeveralSplits }.count == 1)
        #expect(kinds.filter { $0 == .missingImageFile }.count == 1)
        #expect(dataset.issues.contains { $0.detail.contains("Flickr8k.token.txt line 10") })
        let summary = dataset.summary()
        #expect(summary.splits["train"]?.missingImageFiles == 1)
        #expect(summary.unassignedImages == 1)
        #expect(summary.absentSplits == ["test"])
    }

    @Test func absentSplitSaysWhy() throws {
        let fixture = try makeFixture()
        defer { fixture.remove() }
        let dataset = try Dataset.load(from: fixture.url)
        #expect(dataset.absentSplits == ["test"])
        let error = #expect(throws: DatasetError.self) { try dataset.images(in: "test") }
        for part in ["split 'test' is absent", "Flickr_8k.testImages.txt", "train, dev"] {
            #expect(error?.message.contains(part) == true, "\(part)")
        }
    }

    @Test func strictModeRefusesBadRecords() throws {
        let fixture = try makeFixture()
        defer { fixture.remove() }
        let error = #expect(throws: DatasetError.self) { try Dataset.load(from: fixture.url, options: DatasetLoadOptions(strict: true)) }
        for part in ["7 bad record(s)", "1 missing-image-file", "--strict"] {
            #expect(error?.message.contains(part) == true, "\(part)")
        }
    }

    @Test func presentTestSplitIsReported() throws {
        let fixture = try makeFixture()
        defer { fixture.remove() }
        try fixture.write("Flickr_8k.testImages.txt", "e.jpg\n")
        let dataset = try Dataset.load(from: fixture.url)
        #expect(dataset.presentSplits == ["train", "dev", "test"])
        #expect(dataset.absentSplits.isEmpty)
        #expect(try dataset.images(in: "test").map(\.id) == ["e.jpg"])
    }

    @Test func captionLengthStatistics() throws {
        // Train captions have 4, 8, 4 and 4 white-space separated tokens (the final "." counts).
        let fixture = try makeFixture()
        defer { fixture.remove() }
        let stats = try #require(Dataset.load(from: fixture.url).summary().splits["train"]?.captionWords)
        #expect(stats.min == 4 && stats.max == 8)
        #expect(stats.mean == 5)
        #expect(stats.median == 4)
    }

    @Test func notADatasetFolder() throws {
        let fixture = try DatasetFixture()
        defer { fixture.remove() }
        #expect(throws: DatasetError.self) { try Dataset.load(from: fixture.url) }
        #expect(throws: DatasetError.self) { try Dataset.load(from: fixture.url.appendingPathComponent("nope")) }
    }

    @Test(.enabled(if: DatasetFixture.sharedFlickr8k != nil, "needs ../shared/flickr8k"))
    func sharedFlickr8k() throws {
        let shared = try #require(DatasetFixture.sharedFlickr8k)
        let dataset = try Dataset.load(from: shared)
        #expect(dataset.issues.isEmpty)
        #expect(try dataset.images(in: "train").count == 6000)
        #expect(try dataset.captions(in: "train").count == 30000)
        #expect(try dataset.images(in: "dev").count == 1000)
        #expect(try dataset.captions(in: "dev").count == 5000)
        #expect(dataset.absentSplits == ["test"])
        #expect(try dataset.images(in: "all").count == 7000)
        #expect(try dataset.captions(in: "all").count == 35000)
    }
}
