import Encoders
import Foundation
import Numerics
import Testing

@Suite struct WordVectorsTests {
    @Test func meanAndSumOverKnownWords() throws {
        let vectors = try WordVectors(
            words: ["a", "dog", "runs", "."],
            vectors: Matrix([[0, 0], [1, 2], [3, 4], [10, 10]]))
        let (sum, known) = vectors.embed(["A dog runs.", "unknown words only", "Dog"], aggregation: .sum)
        #expect(sum.row(0) == [14, 16])
        #expect(known == [4, 0, 1])
        #expect(sum.row(1) == [0, 0])
        let (mean, _) = vectors.embed(["dog runs"], aggregation: .mean)
        #expect(mean.row(0) == [2, 3])
    }

    @Test func readsVecFilesWithAndWithoutHeader() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("crossmodal-vec-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let withHeader = folder.appendingPathComponent("w.vec")
        try "2 3\nhello 0.5 -1 2e-1\nwörld 1 2 3\n".write(to: withHeader, atomically: true, encoding: .utf8)
        let loaded = try WordVectors.loadText(withHeader)
        #expect(loaded.words == ["hello", "wörld"])
        #expect(loaded.vectors.values == [0.5, -1, 0.2, 1, 2, 3])
        let glove = folder.appendingPathComponent("g.txt")
        try "the 1 2\r\nof 3 4\r\n".write(to: glove, atomically: true, encoding: .utf8)
        #expect(try WordVectors.loadText(glove).vectors.values == [1, 2, 3, 4])
        let broken = folder.appendingPathComponent("b.vec")
        try "a 1 2\nb 1\n".write(to: broken, atomically: true, encoding: .utf8)
        #expect(throws: EncoderError.self) { try WordVectors.loadText(broken) }
    }

    @Test(.enabled(if: Reference.available)) func gloveFromSetUp() throws {
        let store = Reference.models
        let glove = try WordVectors.load(wordsFile: store.gloveWords, vectorsFile: store.gloveVectors)
        #expect(glove.words.count == 400_000 && glove.dimension == 50)
        #expect(glove.words.prefix(3) == ["the", ",", "."])
        // The published first components of "the" in glove.6B.50d.
        let the = try #require(glove.vector(for: "the"))
        #expect(Array(the.prefix(3)) == [0.418, 0.24968, -0.41242])
    }
}
