import Encoders
import Foundation
import Numerics
import TensorFiles
import Testing

@Suite(.enabled(if: Reference.available)) struct MiniLMEncoderTests {
    static func referenceSentences() throws -> (sentences: [String], ids: [[Int32]]) {
        let info = try Reference.json("minilm_sentences.json")
        let sentences = try #require(info["sentences"] as? [String])
        let ids = try #require(info["token_ids"] as? [[Int]]).map { $0.map(Int32.init) }
        return (sentences, ids)
    }

    @Test func tokenIdsEqualTheReference() throws {
        let (sentences, ids) = try Self.referenceSentences()
        let tokenizer = try WordPieceTokenizer(vocabularyFile: Reference.models.miniLM.appendingPathComponent("vocab.txt"))
        for (sentence, expected) in zip(sentences, ids) {
            #expect(tokenizer.encode(sentence) == expected, "\(sentence)")
        }
    }

    @Test func embeddingsMatchTheReference() throws {
        let (sentences, _) = try Self.referenceSentences()
        let expected = try NPYFile.read(Reference.referenceFolder.appendingPathComponent("minilm_embeddings.npy")).matrix()
        let encoder = try MiniLMEncoder(folder: Reference.models.miniLM)
        let embeddings = encoder.embed(sentences)
        #expect(embeddings.rows == sentences.count && embeddings.columns == 384)
        for row in 0..<sentences.count {
            let cosine = zip(embeddings.row(row), expected.row(row)).reduce(0) { $0 + $1.0 * $1.1 }
            #expect(cosine >= 0.9999, "\(sentences[row]): cosine \(cosine)")
        }
        // Batching must not change any sentence's embedding.
        let alone = encoder.embed([sentences[3]])
        #expect(zip(alone.row(0), embeddings.row(3)).allSatisfy { abs($0 - $1) < 1e-5 })
    }

    @Test func truncatesLongTexts() throws {
        let tokenizer = try WordPieceTokenizer(vocabularyFile: Reference.models.miniLM.appendingPathComponent("vocab.txt"))
        let ids = tokenizer.encode(String(repeating: "dog ", count: 1000))
        #expect(ids.count == 256)
        #expect(ids.first == tokenizer.classifierID && ids.last == tokenizer.separatorID)
        #expect(tokenizer.encode("") == [tokenizer.classifierID, tokenizer.separatorID])
    }
}

@Suite struct WordPieceTokenizerUnitTests {
    @Test func splitsPunctuationAccentsAndPieces() throws {
        let vocabulary: [String: Int32] = [
            "[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "cafe": 4, "un": 5, "##aff": 6, "##able": 7, "!": 8, "中": 9,
        ]
        let tokenizer = try WordPieceTokenizer(vocabulary: vocabulary)
        #expect(tokenizer.encode("Café!") == [2, 4, 8, 3])
        #expect(tokenizer.encode("unaffable") == [2, 5, 6, 7, 3])
        #expect(tokenizer.encode("unaffablex") == [2, 1, 3])
        #expect(tokenizer.encode("a\u{0000}中\u{200B}") == [2, 1, 9, 3])
    }
}
