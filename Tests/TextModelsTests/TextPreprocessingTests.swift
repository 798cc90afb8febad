import Testing
import TextModels

@Suite struct TextPreprocessingTests {
    @Test func referenceStepsOnACaption() {
        let steps = TextPreprocessing()
        #expect(steps.tokens("A black dog is running through the grass .") == ["black", "dog", "running", "grass"])
        #expect(steps.tokens("Two <b>kids</b> play-fight, on a see-saw!") == ["kids", "play", "fight", "saw"])
        #expect(steps.tokens("The man's 3 cats aren't here") == ["man", "cats", "aren"])
        #expect(steps.tokens("") == [])
    }

    @Test func firstSentencesForArticles() {
        let steps = TextPreprocessing(firstSentences: 2)
        let article = "Floods hit the north. Rivers burst their banks! Schools stay closed. More rain comes."
        #expect(steps.tokens(article) == ["floods", "hit", "north", "rivers", "burst", "banks"])
        #expect(TextPreprocessing(firstSentences: 1).tokens("No full stop here") == ["stop"])
    }

    @Test func everyStepCanBeSwitchedOff() {
        let none = TextPreprocessing(
            lowercase: false, stripTags: false, stripPunctuation: false, removeStopWords: false, minimumTokenLength: 1)
        #expect(none.tokens("A <i>Dog</i> runs .") == ["A", "<i>Dog</i>", "runs", "."])
        let tagsKept = TextPreprocessing(stripTags: false)
        #expect(tagsKept.tokens("<b>bold</b> text") == ["bold", "text"])
        #expect(TextPreprocessing(removeStopWords: false).tokens("the dog and the cat") == ["the", "dog", "and", "the", "cat"])
        #expect(TextPreprocessing(minimumTokenLength: 5).tokens("big black dogs running") == ["black", "running"])
    }
}
