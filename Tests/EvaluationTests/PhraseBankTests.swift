import Foundation
import Numerics
import Testing

@testable import Evaluation

/// Image baselines against a phrase bank, by brute force; the bank's words; the calibration's margins.
@Suite struct PhraseBankTests {
    static func randomMatrix(rows: Int, columns: Int, seed: UInt64) throws -> Matrix {
        var generator = SeededGenerator(seed: seed)
        return try Matrix(rows: rows, columns: columns, values: (0..<rows * columns).map { _ in Float(generator.uniformDouble() * 2 - 1) })
    }

    /// r(g) = mean of the K largest t·g, checked by sorting every product in Double, across the 4,096-image block edge.
    @Test func baselinesAreTheMeanOfEachImagesBestPhrases() throws {
        let phrases = try Self.randomMatrix(rows: 30, columns: 8, seed: 1)
        let images = try Self.randomMatrix(rows: 4_100, columns: 8, seed: 2)
        let bank = try PhraseBank(vectors: phrases, neighbors: 5)
        let baselines = try bank.baselines(images)
        #expect(baselines.count == 4_100)
        for row in [0, 1, 4_095, 4_096, 4_099] {
            let image = images.row(row)
            let products = (0..<30).map { p in zip(phrases.row(p), image).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } }
            let expected = products.sorted(by: >).prefix(5).reduce(0, +) / 5
            #expect(abs(Double(baselines[row]) - expected) < 1e-5, "row \(row): \(baselines[row]) vs \(expected)")
            #expect(abs(try bank.baseline(image) - baselines[row]) < 1e-6)
        }
        #expect(throws: EvaluationError.self) { try bank.baselines(try Self.randomMatrix(rows: 2, columns: 7, seed: 3)) }
        #expect(throws: EvaluationError.self) { try PhraseBank(vectors: phrases, neighbors: 31) }
        #expect(throws: EvaluationError.self) { try PhraseBank(vectors: phrases, neighbors: 0) }
    }

    @Test func commonWordsAreFrequentContentWords() {
        let texts = ["A dog runs on the grass.", "Two dogs and a DOG!", "The cat sat; a dog barked", "Über café naïve dog grass"]
        let words = PhraseBank.commonWords(in: texts, count: 4)
        // dog ×4, grass ×2, then the words seen once in order (barked, café, cat, dogs, naïve, …); stop words and "a", "on" dropped.
        #expect(words == ["dog", "grass", "barked", "café"], "\(words)")
        #expect(PhraseBank.commonWords(in: texts, count: 3) { $0 != "grass" } == ["dog", "barked", "café"])
        #expect(PhraseBank.commonWords(in: [], count: 3).isEmpty && PhraseBank.commonWords(in: texts, count: -1).isEmpty)
    }

    /// The fit sees each shown result's score less its image's baseline, and each caption's best margin.
    @Test func shownPairsAreMargins() throws {
        // Three images on the axes; captions near their image. Image 2's baseline is large, so its margins are small.
        let images = try Matrix([[1, 0, 0], [0, 1, 0], [0, 0, 1]])
        let texts = try Matrix([[0.9, 0.1, 0], [0.1, 0.9, 0.2], [0, 0.3, 0.8]])
        let space = JointSpace(images: images, texts: texts)
        let baselines: [Float] = [0.1, 0.2, 0.7]
        let (pairs, best) = try MatchCalibration.shownPairs(space: space, captionImage: [0, 1, 2], baselines: baselines, maxCaptions: 10, seed: 1)
        #expect(pairs.count == 9)
        // Caption 2 ranks image 2 (0.8) then image 1 (0.3) then image 0 (0): margins 0.1, 0.1, −0.1; its best margin 0.1.
        let caption2 = pairs[6..<9].map(\.score)
        #expect(zip(caption2, [0.1, 0.1, -0.1]).allSatisfy { abs($0 - $1) < 1e-6 }, "\(caption2)")
        #expect(zip(best, [0.8, 0.7, 0.1] as [Float]).allSatisfy { abs($0 - $1) < 1e-6 }, "\(best)")
        #expect(throws: EvaluationError.self) {
            try MatchCalibration.shownPairs(space: space, captionImage: [0, 1, 2], baselines: [0, 0], maxCaptions: 10, seed: 1)
        }
    }

    /// The phrases and K are stored; the embedded bank is not, and a file without phrases still reads.
    @Test func phrasesRoundTripWithoutTheirVectors() throws {
        let bank = try PhraseBank(vectors: try Matrix([[1, 0], [0, 1]]), neighbors: 1)
        var calibration = MatchCalibration(
            slope: 5, intercept: -2, minProbability: 0.3, split: "dev", positives: 1, negatives: 2, reliability: [], expectedCalibrationError: 0.01)
        (calibration.phrases, calibration.phraseNeighbors, calibration.phraseBank) = (["dog", "cat"], 1, bank)
        #expect(calibration.usesPhrases)
        #expect(abs(calibration.probability(0.6, baseline: 0.2) - MatchCalibration.sigmoid(5 * 0.4 - 2)) < 1e-6)
        let decoded = try JSONDecoder().decode(MatchCalibration.self, from: JSONEncoder().encode(calibration))
        #expect(decoded.phrases == ["dog", "cat"] && decoded.phraseNeighbors == 1 && decoded.phraseBank == nil)
        let old = Data(#"{"method":"platt","slope":5,"intercept":-2,"minProbability":0.3,"split":"dev","positives":1,"negatives":2,"reliability":[],"expectedCalibrationError":0}"#.utf8)
        let plain = try JSONDecoder().decode(MatchCalibration.self, from: old)
        #expect(!plain.usesPhrases && abs(plain.probability(0.4) - 0.5) < 1e-6)
        // Checking a calibration with phrases but no embedded bank says what is missing.
        #expect(throws: EvaluationError.self) { try decoded.check(space: JointSpace(images: try Matrix([[1, 0], [0, 1]]), texts: try Matrix([[1, 0]])), captionImage: [0]) }
    }
}
