import Foundation

/// The BERT uncased tokenizer: text normalisation, pre-tokenisation and WordPiece.
///
/// 1. Clean: drop NUL, U+FFFD and other control/format/unassigned characters; map white space to
///    a space. Put spaces around CJK ideographs.
/// 2. Lower-case, decompose (NFD) and drop non-spacing marks, so "Café" becomes "cafe".
/// 3. Split on white space and around every punctuation character (ASCII punctuation or any
///    Unicode `P*` category).
/// 4. WordPiece: greedy longest match from the vocabulary, continuations prefixed `##`; a word with
///    no full cover, or longer than 100 characters, becomes `[UNK]`.
///
/// The result is wrapped as `[CLS] … [SEP]` and cut to at most `maximumLength` ids.
public struct WordPieceTokenizer: Sendable {
    /// Token ids by token.
    public let vocabulary: [String: Int32]
    /// The id of `[CLS]`.
    public let classifierID: Int32
    /// The id of `[SEP]`.
    public let separatorID: Int32
    /// The id of `[UNK]`.
    public let unknownID: Int32
    /// The most ids a sequence may have, `[CLS]` and `[SEP]` included.
    public let maximumLength: Int

    static let maximumCharactersPerWord = 100

    /// Reads a `vocab.txt` (one token per line; the line number is the id).
    public init(vocabularyFile: URL, maximumLength: Int = 256) throws(EncoderError) {
        let text: String
        do {
            text = try String(contentsOf: vocabularyFile, encoding: .utf8)
        } catch {
            throw EncoderError("\(vocabularyFile.path): cannot read the vocabulary (\(error.localizedDescription))")
        }
        // "\r\n" is one Character in Swift, so match both line endings explicitly.
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        if lines.last?.isEmpty == true { lines.removeLast() }  // the file's final newline
        var vocabulary: [String: Int32] = [:]
        for (id, line) in lines.enumerated() {
            let token = String(line)
            if vocabulary[token] == nil { vocabulary[token] = Int32(id) }
        }
        try self.init(vocabulary: vocabulary, maximumLength: maximumLength)
    }

    /// Uses an in-memory vocabulary, which must hold `[CLS]`, `[SEP]` and `[UNK]`.
    public init(vocabulary: [String: Int32], maximumLength: Int = 256) throws(EncoderError) {
        guard let cls = vocabulary["[CLS]"], let sep = vocabulary["[SEP]"], let unk = vocabulary["[UNK]"] else {
            throw EncoderError("the vocabulary lacks [CLS], [SEP] or [UNK]; is it a BERT vocab.txt?")
        }
        guard maximumLength >= 2 else { throw EncoderError("maximum length must be at least 2, got \(maximumLength)") }
        self.vocabulary = vocabulary
        self.classifierID = cls
        self.separatorID = sep
        self.unknownID = unk
        self.maximumLength = maximumLength
    }

    /// The token ids of `text`, `[CLS] … [SEP]`, at most `maximumLength` of them.
    ///
    /// - Complexity: O(n · w) for n characters and words of at most w characters.
    public func encode(_ text: String) -> [Int32] {
        var ids: [Int32] = [classifierID]
        for word in Self.preTokenize(Self.normalize(text)) {
            ids += wordPieces(word)
            if ids.count >= maximumLength - 1 { break }
        }
        if ids.count > maximumLength - 1 { ids.removeLast(ids.count - (maximumLength - 1)) }
        ids.append(separatorID)
        return ids
    }

    /// The WordPiece ids of one pre-tokenised word.
    func wordPieces(_ word: [Unicode.Scalar]) -> [Int32] {
        if word.count > Self.maximumCharactersPerWord { return [unknownID] }
        var pieces: [Int32] = []
        var start = 0
        while start < word.count {
            var end = word.count
            var found: Int32?
            while start < end {
                var candidate = start > 0 ? "##" : ""
                candidate.unicodeScalars.append(contentsOf: word[start..<end])
                if let id = vocabulary[candidate] {
                    found = id
                    break
                }
                end -= 1
            }
            guard let found else { return [unknownID] }
            pieces.append(found)
            start = end
        }
        return pieces
    }

    /// Cleans, pads CJK characters, strips accents and lower-cases.
    static func normalize(_ text: String) -> [Unicode.Scalar] {
        var cleaned = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.value == 0 || scalar.value == 0xFFFD || isControl(scalar) { continue }
            if isWhitespace(scalar) {
                cleaned.append(" ")
            } else if isCJK(scalar) {
                cleaned.append(" ")
                cleaned.append(scalar)
                cleaned.append(" ")
            } else {
                cleaned.append(scalar)
            }
        }
        let decomposed = String(cleaned).decomposedStringWithCanonicalMapping
        var result: [Unicode.Scalar] = []
        for scalar in decomposed.unicodeScalars where scalar.properties.generalCategory != .nonspacingMark {
            // Lower-case scalar by scalar, as the reference does.
            result.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
        }
        return result
    }

    /// Splits on white space and isolates punctuation characters.
    static func preTokenize(_ scalars: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        var words: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        for scalar in scalars {
            if isWhitespace(scalar) {
                if !current.isEmpty { words.append(current); current = [] }
            } else if isPunctuation(scalar) {
                if !current.isEmpty { words.append(current); current = [] }
                words.append([scalar])
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }

    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case " ", "\t", "\n", "\r": return true
        default: return scalar.properties.generalCategory == .spaceSeparator
        }
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "\t", "\n", "\r": return false
        default:
            switch scalar.properties.generalCategory {
            case .control, .format, .surrogate, .privateUse, .unassigned: return true
            default: return false
            }
        }
    }

    static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) {
            return true
        }
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
            .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default: return false
        }
    }

    static func isCJK(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F,
            0x2B740...0x2B81F, 0x2B820...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default: return false
        }
    }
}
