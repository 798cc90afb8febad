import Foundation
import Numerics
import Testing

@testable import Evaluation

/// The calibration's fit against the model that generated the data, its reliability arithmetic by hand,
/// and its fit on a space whose matches are known.
@Suite struct MatchCalibrationTests {
    /// Labels drawn from σ(6s − 1): the fit recovers the slope and intercept within their sampling error
    /// (about ±0.15 and ±0.05 at 40,000 samples).
    @Test func logisticFitRecoversTheGeneratingModel() {
        var generator = SeededGenerator(seed: 7)
        var pairs: [MatchCalibration.Pair] = []
        for _ in 0..<40_000 {
            let s = 2 * generator.uniformDouble() - 1
            let label = generator.uniformDouble() < MatchCalibration.sigmoid(6 * s - 1)
            pairs.append(.init(score: s, label: label, weight: 1, fold: 0))
        }
        let (a, b) = MatchCalibration.logisticFit(pairs)
        #expect(abs(a - 6) < 0.3, "slope \(a)")
        #expect(abs(b + 1) < 0.1, "intercept \(b)")
        // Weights act as repetitions: every pair twice at weight 0.5 gives the same fit.
        let halved = pairs.flatMap { [MatchCalibration.Pair(score: $0.score, label: $0.label, weight: 0.5, fold: 0), $0] }
            .map { MatchCalibration.Pair(score: $0.score, label: $0.label, weight: 0.5, fold: 0) }
        let (a2, b2) = MatchCalibration.logisticFit(halved)
        #expect(abs(a2 - a) < 1e-6 && abs(b2 - b) < 1e-6)
    }

    /// Separable classes: the ridge keeps the slope finite.
    @Test func separableScoresKeepAFiniteSlope() {
        let pairs = (0..<100).map { MatchCalibration.Pair(score: Double($0) / 100, label: $0 >= 50, weight: 1, fold: 0) }
        let (a, b) = MatchCalibration.logisticFit(pairs)
        #expect(a.isFinite && b.isFinite && a > 0)
        #expect(MatchCalibration.sigmoid(a * 0.6 + b) > 0.99 && MatchCalibration.sigmoid(a * 0.4 + b) < 0.01)
    }

    /// Scores that fall as matching rises: the fit is the constant base rate, never a probability falling with the score.
    @Test func aReversedRelationGivesTheBaseRate() {
        let pairs = (0..<100).map { MatchCalibration.Pair(score: Double($0) / 100, label: $0 < 25, weight: 1, fold: 0) }
        let (a, b) = MatchCalibration.logisticFit(pairs)
        #expect(a == 0)
        #expect(abs(MatchCalibration.sigmoid(b) - 0.25) < 1e-9)
    }

    /// Two pairs at 0.05 (one a match) and two at 0.95 (both matches): bins 0 and 9, and
    /// ECE = ½·|0.05 − 0.5| + ½·|0.95 − 1| = 0.25.
    @Test func reliabilityByHand() {
        let (bins, ece) = MatchCalibration.reliability(
            predicted: [0.05, 0.05, 0.95, 0.95], labels: [false, true, true, true], weights: [1, 1, 1, 1])
        #expect(bins.count == 10)
        #expect(bins[0].weight == 2 && abs(bins[0].observed - 0.5) < 1e-12 && abs(bins[0].predicted - 0.05) < 1e-12)
        #expect(bins[9].weight == 2 && bins[9].observed == 1)
        #expect(bins[1..<9].allSatisfy { $0.weight == 0 })
        #expect(abs(ece - 0.25) < 1e-12)
        // A probability of exactly 1 falls in the last bin, not past it.
        #expect(MatchCalibration.reliability(predicted: [1], labels: [true], weights: [1]).bins[9].weight == 1)
    }

    /// Captions that are noisy copies of their image: held-out predictions are calibrated, the slope is
    /// positive, and 90% of the texts' best results reach the default threshold.
    @Test func fitOnASpaceWithKnownMatches() throws {
        var generator = SeededGenerator(seed: 3)
        let (imageCount, width) = (300, 16)
        var images = Matrix(rows: imageCount, columns: width)
        for i in images.values.indices { images.values[i] = generator.normal() }
        images = images.rowNormalized()
        var captionImage: [Int] = []
        var texts = Matrix(rows: imageCount * 3, columns: width)
        for caption in 0..<texts.rows {
            let image = caption / 3
            captionImage.append(image)
            for c in 0..<width { texts[caption, c] = images[image, c] + 0.35 * generator.normal() }
        }
        texts = texts.rowNormalized()
        let space = JointSpace(images: images, texts: texts)
        let calibration = try MatchCalibration.fit(space: space, captionImage: captionImage, split: "dev")
        #expect(calibration.slope > 0)
        #expect(calibration.expectedCalibrationError < 0.03, "ECE \(calibration.expectedCalibrationError)")
        #expect(calibration.positives + calibration.negatives == texts.rows * MatchCalibration.shownResults)
        #expect(abs(calibration.reliability.reduce(0) { $0 + $1.weight } - Double(texts.rows * MatchCalibration.shownResults)) < 1e-9)
        let checked = try calibration.check(space: space, captionImage: captionImage)
        #expect(abs(checked.answered - MatchCalibration.answeredShare) < 0.01, "answered \(checked.answered)")
        // The threshold's score inverts the probability.
        let score = try #require(calibration.score(atProbability: calibration.minProbability))
        #expect(abs(calibration.probability(Float(score)) - calibration.minProbability) < 1e-5)
    }

    @Test func tooSmallASplitIsAnError() throws {
        let one = JointSpace(images: try Matrix([[1, 0]]), texts: try Matrix([[1, 0]]))
        #expect(throws: EvaluationError.self) { try MatchCalibration.fit(space: one, captionImage: [0], split: "dev") }
        let two = JointSpace(images: try Matrix([[1, 0], [0, 1]]), texts: try Matrix([[1, 0]]))
        #expect(throws: EvaluationError.self) { try MatchCalibration.fit(space: two, captionImage: [5], split: "dev") }
    }
}
