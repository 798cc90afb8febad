import Datasets
import Foundation
import Testing

@Suite struct KarpathyLayoutTests {
    @Test func readsSplitsSentencesAndFilePaths() throws {
        let fixture = try DatasetFixture()
        defer { fixture.remove() }
        try fixture.touchImages(["x.jpg", "y.jpg"])
        try fixture.touchImages(["COCO_1.jpg"], folder: "val2014")
        try fixture.write("dataset_coco.json", """
            {"dataset": "coco", "images": [
              {"filename": "x.jpg", "split": "train", "sentences": [{"raw": "A red car."}, {"raw": "A car parked."}]},
              {"filename": "y.jpg", "split": "restval", "sentences": [{"raw": "A tree."}]},
              {"filepath": "val2014", "filename": "COCO_1.jpg", "split": "val", "sentences": [{"raw": "A bus."}, {"raw": ""}]},
              {"filename": "x.jpg", "split": "test", "sentences": [{"raw": "Again."}]},
              {"filename": "gone.jpg", "split": "test", "sentences": [{"raw": "Lost."}]}
            ]}
            """)
        let dataset = try Dataset.load(from: fixture.url)
        #expect(dataset.format == .karpathy)
        #expect(try dataset.captions(in: "train").map(\.text) == ["A red car.", "A car parked."])
        #expect(try dataset.images(in: "dev").map(\.id) == ["COCO_1.jpg"])
        #expect(try dataset.images(in: "restval").count == 1)
        #expect(dataset.presentSplits == ["train", "dev", "restval"])
        #expect(dataset.absentSplits == ["test"])
        #expect(Set(dataset.issues.map(\.kind)) == [.emptyCaption, .duplicateID, .missingImageFile])
    }

    @Test func malformedJSONIsAClearError() throws {
        let fixture = try DatasetFixture()
        defer { fixture.remove() }
        try fixture.write("dataset_flickr8k.json", #"{"images": 3}"#)
        do {
            _ = try Dataset.load(from: fixture.url)
            Issue.record("accepted")
        } catch {
            #expect(error.message.contains("is not a Karpathy dataset file"))
        }
    }
}

@Suite struct JSONLinesLayoutTests {
    @Test func readsPairsWithSeveralTextsPerImage() throws {
        let fixture = try DatasetFixture()
        defer { fixture.remove() }
        try fixture.touchImages(["news/1.jpg", "news/2.jpg"], folder: "photos")
        try fixture.write("pairs.jsonl", """
            {"image": "photos/news/1.jpg", "text": "Parliament votes on the budget.", "split": "train"}
            {"image": "photos/news/1.jpg", "text": "The budget passes narrowly.", "split": "train"}
            {"image": "photos/news/2.jpg", "text": "Floods in the north.", "split": "val"}
            {"image": "photos/news/2.jpg", "text": "Floods in the north.", "split": "val"}
            {"image": "photos/news/2.jpg", "text": "Rivers burst their banks.", "split": "train"}
            {"image": "photos/news/3.jpg", "text": "No photo on disk.", "split": "test"}
            {"image": "photos/news/1.jpg", "split": "train"}
            not json at all
            {"image": "photos/news/1.jpg", "text": "", "split": "train"}
            """)
        let dataset = try Dataset.load(from: fixture.url)
        #expect(dataset.format == .jsonLines)
        let train = try dataset.captions(in: "train")
        #expect(train.map(\.id) == ["photos/news/1.jpg#0", "photos/news/1.jpg#1"])
        let dev = try dataset.captions(in: "dev")
        #expect(dev.map(\.text) == ["Floods in the north.", "Rivers burst their banks."])
        var counts: [DatasetIssue.Kind: Int] = [:]
        for issue in dataset.issues { counts[issue.kind, default: 0] += 1 }
        #expect(counts == [.duplicateID: 1, .imageInSeveralSplits: 1, .missingImageFile: 1, .malformedRecord: 2, .emptyCaption: 1])
        #expect(dataset.absentSplits == ["test"])
    }
}

@Suite struct JSONLinesTextFieldsTests {
    @Test func chosenFieldsMakeTheText() throws {
        let fixture = try DatasetFixture()
        defer { fixture.remove() }
        try fixture.touchImages(["1.jpg", "2.jpg"], folder: "photos")
        try fixture.write("pairs.jsonl", """
            {"image": "photos/1.jpg", "text": "Floods in the north", "tags": "river;rain", "split": "train"}
            {"image": "photos/2.jpg", "text": "Budget passes", "tags": ["parliament", "tax"], "split": "train"}
            {"image": "photos/2.jpg", "headline": "no text field", "split": "train"}
            """)
        let plain = try Dataset.load(from: fixture.url)
        #expect(try plain.captions(in: "train").map(\.text) == ["Floods in the north", "Budget passes"])
        let tagged = try Dataset.load(from: fixture.url, options: DatasetLoadOptions(textFields: ["text", "tags"]))
        #expect(try tagged.captions(in: "train").map(\.text) == ["Floods in the north. river;rain", "Budget passes. parliament; tax"])
        #expect(tagged.issues.contains { $0.detail.contains("missing \"text\"") })
    }
}
