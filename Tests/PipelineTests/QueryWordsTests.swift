import Pipeline
import Testing

/// Counting a query's words against a closed vocabulary.
struct QueryWordsTests {
    @Test func unknownWordsAreListedOnceInOrderAndKnownOnesCounted() {
        let vocabulary: Set<String> = ["dog", "runs", "grass"]
        let words = QueryWords(tokens: ["dog", "zebra", "runs", "aircraft", "zebra", "dog"], knows: vocabulary.contains)
        #expect(words == QueryWords(known: 3, unknown: ["zebra", "aircraft"]))
        #expect(QueryWords(tokens: [], knows: vocabulary.contains) == QueryWords(known: 0, unknown: []))
    }

    @Test func theRefusalNamesTheWordsAndWhatToDo() {
        let refusal = NoKnownWords(unknown: ["giraffe", "astronaut"], vocabulary: "the 4,223 words of its training texts")
        #expect(refusal.description.hasPrefix("the model knows none of the query's words (“giraffe”, “astronaut”); it reads the 4,223 words"))
        #expect(refusal.description.contains("--text-encoder minilm"))
        // A query its preprocessing drops whole ("the", stop words) says so rather than listing nothing.
        #expect(NoKnownWords(unknown: [], vocabulary: "v").description.hasPrefix("the query has no word the model reads"))
        // A very long query lists twenty words and an ellipsis.
        let many = NoKnownWords(unknown: (0..<30).map { "w\($0)" }, vocabulary: "v").description
        #expect(many.contains("“w19”, …") && !many.contains("w20"))
    }
}
