import Foundation
import Evaluation
import Numerics
import Testing

@testable import Search

/// Cutting results at a match probability: what is kept, "no good match" with the nearest, and refusals.
@Suite struct RelevanceCutTests {
    /// p(s) = σ(10s − 5): 0.5 at score 0.5.
    static let calibration = MatchCalibration(
        slope: 10, intercept: -5, minProbability: 0.5, split: "dev", positives: 1, negatives: 1, reliability: [], expectedCalibrationError: 0)

    static func results(_ scores: [Float]) -> [SearchResult] {
        scores.enumerated().map { SearchResult(kind: "image", id: "i\($0.offset)", score: $0.element, imageID: "i\($0.offset)", text: nil, captions: nil) }
    }

    @Test func keepsWhatReachesTheThreshold() throws {
        let cut = try RelevanceCut.apply(Self.results([0.9, 0.6, 0.4]), calibration: Self.calibration, minProbability: nil)
        #expect(cut.results.map(\.id) == ["i0", "i1"])
        #expect(!cut.noGoodMatch && cut.nearest.isEmpty && cut.minProbability == 0.5)
        #expect(abs((cut.results[1].matchProbability ?? 0) - 1 / (1 + exp(-1.0))) < 1e-6)  // the Float score 0.6 is 0.6 ± 1e-8
        let all = try RelevanceCut.apply(Self.results([0.9, 0.6, 0.4]), calibration: Self.calibration, minProbability: 0)
        #expect(all.results.count == 3 && all.results.allSatisfy { $0.matchProbability != nil })
    }

    @Test func noGoodMatchOffersTheNearestFew() throws {
        let scores: [Float] = [0.4, 0.3, 0.2, 0.1, 0.0, -0.1, -0.2]
        let cut = try RelevanceCut.apply(Self.results(scores), calibration: Self.calibration, minProbability: nil)
        #expect(cut.results.isEmpty && cut.noGoodMatch)
        #expect(cut.nearest.map(\.id) == ["i0", "i1", "i2", "i3", "i4"])
        #expect(cut.nearest.allSatisfy { ($0.matchProbability ?? 1) < 0.5 })
        // Nothing to show is not "no good match".
        #expect(!(try RelevanceCut.apply([], calibration: Self.calibration, minProbability: nil)).noGoodMatch)
    }

    /// With phrases, each result is judged by its margin over its image's baseline: a lower-ranked result on an image
    /// whose baseline is low can clear the threshold where the top result does not.
    @Test func baselinesJudgeEachImage() throws {
        var calibration = Self.calibration
        (calibration.phrases, calibration.phraseNeighbors) = (["dog", "grass"], 1)
        let cut = try RelevanceCut.apply(Self.results([0.9, 0.8, 0.7]), calibration: calibration, baselines: [0.6, 0.1, 0.5], minProbability: nil)
        #expect(cut.results.map(\.id) == ["i1"])  // margins 0.3, 0.7, 0.2
        #expect(abs((cut.results[0].matchProbability ?? 0) - 1 / (1 + exp(-2.0))) < 1e-5)
        // Baselines are required, one per result, and the bank must be embedded to compute them.
        #expect(throws: SearchError.self) { try RelevanceCut.apply(Self.results([0.9]), calibration: calibration, minProbability: nil) }
        #expect(throws: SearchError.self) {
            try RelevanceCut.apply(Self.results([0.9, 0.8]), calibration: calibration, baselines: [0.1], minProbability: nil)
        }
        #expect(throws: SearchError.self) {
            try RelevanceCut.captions(Self.results([0.9]), query: [1, 0], calibration: calibration, minProbability: nil)
        }
        calibration.phraseBank = try PhraseBank(vectors: try Matrix([[1, 0], [0, 1]]), neighbors: 1)
        // An image query's captions share the query image's baseline: the better of [1, 0]·q = 0.6 and [0, 1]·q = 0.8.
        let captions = try RelevanceCut.captions(Self.results([0.9, 0.8]), query: [0.6, 0.8], calibration: calibration, minProbability: 0)
        let expected: [Double] = [0.9, 0.8].map { (score: Double) -> Double in 1 / (1 + exp(5 - 10 * (score - 0.8))) }
        let got: [Double] = captions.results.map { $0.matchProbability ?? 0 }
        #expect(got.count == 2 && zip(got, expected).allSatisfy { abs($0 - $1) < 1e-5 }, "\(got) vs \(expected)")
    }

    @Test func withoutACalibrationResultsPassAndAThresholdIsRefused() throws {
        let plain = try RelevanceCut.apply(Self.results([0.1]), calibration: nil, minProbability: nil)
        #expect(plain.results.count == 1 && plain.results[0].matchProbability == nil && plain.minProbability == nil)
        #expect(throws: SearchError.self) { try RelevanceCut.apply(Self.results([0.1]), calibration: nil, minProbability: 0.5) }
        #expect(throws: SearchError.self) { try RelevanceCut.apply(Self.results([0.1]), calibration: Self.calibration, minProbability: 1.5) }
    }
}
