import Foundation
import SafeFiles
import Numerics
import TensorFiles

/// How a text's word vectors combine into one vector.
public enum WordAggregation: String, Sendable, CaseIterable {
    /// The mean of the known words' vectors.
    case mean
    /// The sum of the known words' vectors.
    case sum
}

/// Static word vectors (GloVe, word2vec, fastText) and the bag-of-words text features built from them.
public struct WordVectors: Sendable {
    /// The words, in the order of the rows of `vectors`.
    public let words: [String]
    /// One row per word.
    public let vectors: Matrix
    let index: [String: Int]

    /// The vector width.
    public var dimension: Int { vectors.columns }

    /// Pairs words with vector rows; the first of any repeated word wins.
    public init(words: [String], vectors: Matrix) throws(EncoderError) {
        guard words.count == vectors.rows else {
            throw EncoderError("\(words.count) words but \(vectors.rows) vectors")
        }
        var index: [String: Int] = [:]
        index.reserveCapacity(words.count)
        for (row, word) in words.enumerated() where index[word] == nil { index[word] = row }
        self.words = words
        self.vectors = vectors
        self.index = index
    }

    /// GloVe as `make setup` leaves it: a words file (one per line) and an `.npy` of vectors.
    public static func load(wordsFile: URL, vectorsFile: URL) throws -> WordVectors {
        let text: String
        do {
            text = try String(contentsOf: wordsFile, encoding: .utf8)
        } catch {
            throw EncoderError("\(wordsFile.path): cannot read the word list (\(error.localizedDescription))")
        }
        var words = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if words.last == "" { words.removeLast() }
        return try WordVectors(words: words, vectors: NPYFile.read(vectorsFile).matrix())
    }

    /// A word2vec/fastText `.vec` or GloVe `.txt` file: `word v₁ … v_d` per line, with or without a
    /// `count dimension` header line.
    ///
    /// - Throws: `EncoderError` naming the line when a row has the wrong number of values.
    public static func loadText(_ url: URL) throws -> WordVectors {
        let data = try RegularFile.read(url, maxBytes: 16 << 30, orThrow: EncoderError.init)
        var words: [String] = []
        var values: [Float] = []
        var dimension = -1
        var lineNumber = 0
        // Parse inside a non-throwing closure and report the first bad line after it.
        let failure: EncoderError? = data.withUnsafeBytes { raw in
            let bytes = raw.bindMemory(to: UInt8.self)
            var start = 0
            var field = [CChar](repeating: 0, count: 64)
            while start < bytes.count {
                var end = start
                while end < bytes.count && bytes[end] != 0x0A { end += 1 }
                lineNumber += 1
                var fields: [Range<Int>] = []
                var i = start
                while i < end {
                    while i < end && (bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0D) { i += 1 }
                    let fieldStart = i
                    while i < end && bytes[i] != 0x20 && bytes[i] != 0x09 && bytes[i] != 0x0D { i += 1 }
                    if i > fieldStart { fields.append(fieldStart..<i) }
                }
                start = end + 1
                if fields.isEmpty { continue }
                if lineNumber == 1 && fields.count == 2 { continue }  // "count dimension" header
                if dimension < 0 { dimension = fields.count - 1 }
                guard fields.count - 1 == dimension, dimension > 0 else {
                    return EncoderError("\(url.path) line \(lineNumber): expected a word and \(dimension) values, found \(fields.count) fields")
                }
                words.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[fields[0]]), as: UTF8.self))
                for range in fields.dropFirst() {
                    let length = min(range.count, field.count - 1)
                    for k in 0..<length { field[k] = CChar(bitPattern: bytes[range.lowerBound + k]) }
                    field[length] = 0
                    var endPointer: UnsafeMutablePointer<CChar>?
                    let value = field.withUnsafeMutableBufferPointer { buffer in
                        strtof(buffer.baseAddress!, &endPointer)
                    }
                    values.append(value)
                }
            }
            return nil
        }
        if let failure { throw failure }
        guard dimension > 0 else { throw EncoderError("\(url.path): no word vectors found") }
        return try WordVectors(words: words, vectors: Matrix(rows: words.count, columns: dimension, values: values))
    }

    /// The lower-cased words and punctuation marks of `text`, as GloVe's tokenisation splits them.
    public static func tokenize(_ text: String) -> [String] {
        WordPieceTokenizer.preTokenize(Array(text.lowercased().unicodeScalars)).map { scalars in
            var word = ""
            word.unicodeScalars.append(contentsOf: scalars)
            return word
        }
    }

    /// The vector of a word, if known.
    public func vector(for word: String) -> ArraySlice<Float>? {
        index[word].map { vectors.values[$0 * dimension..<($0 + 1) * dimension] }
    }

    /// One feature row per text: the mean or sum of its known words' vectors (zeros if none is known).
    ///
    /// - Returns: the features and, per text, how many of its tokens were known.
    /// - Complexity: O(total tokens · dimension).
    public func embed(_ texts: [String], aggregation: WordAggregation) -> (features: Matrix, knownTokens: [Int]) {
        var features = Matrix(rows: texts.count, columns: dimension)
        var known = [Int](repeating: 0, count: texts.count)
        for (row, text) in texts.enumerated() {
            for token in Self.tokenize(text) {
                guard let wordRow = index[token] else { continue }
                known[row] += 1
                for c in 0..<dimension { features.values[row * dimension + c] += vectors.values[wordRow * dimension + c] }
            }
            if aggregation == .mean, known[row] > 0 {
                let scale = 1 / Float(known[row])
                for c in 0..<dimension { features.values[row * dimension + c] *= scale }
            }
        }
        return (features, known)
    }
}
