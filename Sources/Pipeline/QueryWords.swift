/// How much of a text query a closed-vocabulary run can read.
///
/// A GRU run reads the words of its Doc2Vec vocabulary (the words of its training texts) and a GloVe run
/// the 400,000 words of GloVe; any other word is left out of the query without a trace in its embedding.
/// A query of unknown words alone would embed as the empty text and return the same images for every
/// such query, so it is refused instead (``NoKnownWords``).
public struct QueryWords: Equatable, Sendable {
    /// How many of the query's tokens the run knows (repeats counted).
    public let known: Int
    /// The query's tokens the run does not know, each once, in the order they first occur.
    public let unknown: [String]

    /// Creates the count.
    public init(known: Int, unknown: [String]) {
        self.known = known
        self.unknown = unknown
    }

    /// Counts `tokens` against a vocabulary.
    /// - Complexity: O(n) lookups for n tokens.
    public init(tokens: [String], knows: (String) -> Bool) {
        var known = 0
        var unknown: [String] = []
        var seen: Set<String> = []
        for token in tokens {
            if knows(token) {
                known += 1
            } else if seen.insert(token).inserted {
                unknown.append(token)
            }
        }
        self.init(known: known, unknown: unknown)
    }
}

/// A text query none of whose words a closed-vocabulary run knows.
public struct NoKnownWords: Error, CustomStringConvertible, Equatable, Sendable {
    /// The query's words, as the run tokenises them (empty when its preprocessing drops them all).
    public let unknown: [String]
    /// The run's vocabulary in words: "the 4,223 words of its training texts".
    public let vocabulary: String

    /// Creates the error.
    public init(unknown: [String], vocabulary: String) {
        self.unknown = unknown
        self.vocabulary = vocabulary
    }

    /// What to do about it.
    public var description: String {
        let words = unknown.prefix(20).map { "“\($0)”" }.joined(separator: ", ")
        let which = unknown.isEmpty ? "the query has no word the model reads (its preprocessing drops stop words and short words)"
            : "the model knows none of the query's words (\(words)\(unknown.count > 20 ? ", …" : ""))"
        return "\(which); it reads \(vocabulary). Rephrase with other words, or search with a run whose text side "
            + "reads any text (trained with --text-tower mlp --text-encoder minilm)."
    }
}
