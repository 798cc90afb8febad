/// The text clean-up before Doc2Vec, each step switchable, as in the reference pipeline:
/// first N sentences, lower-case, strip markup tags, turn punctuation and other non-alphanumerics
/// into spaces, drop English stop words (gensim's list) and tokens shorter than `minimumTokenLength`.
public struct TextPreprocessing: Codable, Equatable, Sendable {
    /// Keep only the first N sentences (N = 2 for news articles); nil keeps all.
    public var firstSentences: Int?
    /// Lower-case the text.
    public var lowercase: Bool
    /// Remove `<…>` markup tags.
    public var stripTags: Bool
    /// Replace every character that is not a letter or digit with a space.
    public var stripPunctuation: Bool
    /// Drop English stop words.
    public var removeStopWords: Bool
    /// Drop tokens with fewer characters than this (gensim's `strip_short` uses 3).
    public var minimumTokenLength: Int

    /// The reference settings: all steps on, tokens of 3 characters or more, all sentences.
    public init(
        firstSentences: Int? = nil, lowercase: Bool = true, stripTags: Bool = true, stripPunctuation: Bool = true,
        removeStopWords: Bool = true, minimumTokenLength: Int = 3
    ) {
        self.firstSentences = firstSentences
        self.lowercase = lowercase
        self.stripTags = stripTags
        self.stripPunctuation = stripPunctuation
        self.removeStopWords = removeStopWords
        self.minimumTokenLength = minimumTokenLength
    }

    /// The tokens of `text` after every enabled step.
    ///
    /// - Complexity: O(n) in the length of the text.
    public func tokens(_ text: String) -> [String] {
        var text = text
        if stripTags { text = Self.removingTags(text) }
        if let firstSentences { text = Self.firstSentences(of: text, count: firstSentences) }
        if lowercase { text = text.lowercased() }
        var tokens: [String]
        if stripPunctuation {
            tokens = text.split(whereSeparator: { !($0.isLetter || $0.isNumber) }).map(String.init)
        } else {
            tokens = text.split(whereSeparator: \.isWhitespace).map(String.init)
        }
        if removeStopWords { tokens.removeAll { StopWords.english.contains($0) } }
        if minimumTokenLength > 1 { tokens.removeAll { $0.count < minimumTokenLength } }
        return tokens
    }

    /// The text without `<…>` tags (a `<` with no closing `>` is kept).
    static func removingTags(_ text: String) -> String {
        var result = ""
        var pending = ""
        var inTag = false
        for character in text {
            if inTag {
                pending.append(character)
                if character == ">" { inTag = false; pending = ""; result.append(" ") }
            } else if character == "<" {
                inTag = true
                pending = "<"
            } else {
                result.append(character)
            }
        }
        return result + pending
    }

    /// The first `count` sentences, a sentence ending in `.`, `!` or `?` followed by white space.
    static func firstSentences(of text: String, count: Int) -> String {
        guard count > 0 else { return "" }
        var seen = 0
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(after: index)
            if ".!?".contains(text[index]), next == text.endIndex || text[next].isWhitespace {
                seen += 1
                if seen == count { return String(text[..<next]) }
            }
            index = next
        }
        return text
    }
}
