import Foundation
import Numerics
import Testing
import Training

/// The two works' own negative sampling: shared random negatives counted B times (the first work's
/// angular loss) and one random negative per anchor (the second work's triplet loss).
@Suite struct SampledNegativesTests {
    typealias G = GradientCheckTests

    @Test func sharedNegativesGradientsAndValue() throws {
        let a = G.random(4, 5, seed: 31, scale: 0.5), p = G.random(4, 5, seed: 32, scale: 0.5), n = G.random(6, 5, seed: 33, scale: 0.5)
        let loss = PairLoss.angularNPair(tanSquared: 1, positiveAmongNegatives: true)
        func run(_ a: Matrix, _ p: Matrix, _ n: Matrix) throws -> (loss: Float, anchors: Matrix, positives: Matrix, negatives: Matrix) {
            try loss.evaluate(anchors: a, positives: p, negatives: n, sharedBy: 4)
        }
        let result = try run(a, p, n)
        try G.check(a, gradient: result.anchors, step: 1e-3) { try run($0, p, n).loss }
        try G.check(p, gradient: result.positives, step: 1e-3) { try run(a, $0, n).loss }
        try G.check(n, gradient: result.negatives, step: 1e-3) { try run(a, p, $0).loss }
        // By hand: the mean over anchors of log(1 + 4·Σⱼ exp fᵢⱼ), fᵢⱼ = 4(aᵢ + pᵢ)·nⱼ − 4 aᵢ·pᵢ (t = 1).
        func dot(_ x: Matrix, _ i: Int, _ y: Matrix, _ j: Int) -> Double { (0..<5).reduce(0) { $0 + Double(x[i, $1]) * Double(y[j, $1]) } }
        var expected = 0.0
        for i in 0..<4 {
            let sum = (0..<6).reduce(0.0) { $0 + Foundation.exp(4 * (dot(a, i, n, $1) + dot(p, i, n, $1)) - 4 * dot(a, i, p, i)) }
            expected += Foundation.log(1 + 4 * sum)
        }
        #expect(abs(Double(result.loss) - expected / 4) < 1e-4)
    }

    @Test func oneNegativePerAnchorGradientsAndValue() throws {
        let a = G.random(5, 4, seed: 41), p = G.random(5, 4, seed: 42), n = G.random(5, 4, seed: 43)
        let loss = PairLoss.tripletSquaredL2(margin: 1)
        func run(_ a: Matrix, _ p: Matrix, _ n: Matrix) throws -> (loss: Float, anchors: Matrix, positives: Matrix, negatives: Matrix) {
            try loss.evaluate(anchors: a, positives: p, negatives: n, sharedBy: nil)
        }
        let result = try run(a, p, n)
        try G.check(a, gradient: result.anchors, step: 1e-3) { try run($0, p, n).loss }
        try G.check(p, gradient: result.positives, step: 1e-3) { try run(a, $0, n).loss }
        try G.check(n, gradient: result.negatives, step: 1e-3) { try run(a, p, $0).loss }
        func squared(_ x: Matrix, _ y: Matrix, _ i: Int) -> Float { (0..<4).reduce(0) { $0 + (x[i, $1] - y[i, $1]) * (x[i, $1] - y[i, $1]) } }
        let expected = (0..<5).reduce(Float(0)) { $0 + max(0, squared(a, p, $1) - squared(a, n, $1) + 1) } / 5
        #expect(abs(result.loss - expected) < 1e-4)
    }

    @Test func samplingAndLossMustMatch() {
        var c = TrainingConfiguration()
        c.negatives = .oneRandom
        #expect(throws: TrainingError.self) { try c.validate() }
        c.negatives = .randomTexts
        c.loss = .tripletSquaredL2(margin: 1)
        #expect(throws: TrainingError.self) { try c.validate() }
        #expect(throws: TrainingError.self) {
            try PairLoss.vsePlusPlus(margin: 0.2, hardestNegative: false).evaluate(
                anchors: G.random(2, 2, seed: 1), positives: G.random(2, 2, seed: 2), negatives: G.random(2, 2, seed: 3), sharedBy: 2)
        }
    }

    @Test func stepDecayIsPyTorchsStepLR() {
        let step = StepDecay(epochs: 8, factor: 0.1)
        // As their StepLR stepped before each epoch: the first cut is at epoch 8, not 9.
        #expect(step.rate(base: 1e-3, epoch: 1) == 1e-3 && step.rate(base: 1e-3, epoch: 7) == 1e-3)
        #expect(abs(step.rate(base: 1e-3, epoch: 8) - 1e-4) < 1e-10 && abs(step.rate(base: 1e-3, epoch: 15) - 1e-4) < 1e-10)
        #expect(abs(step.rate(base: 1e-3, epoch: 16) - 1e-5) < 1e-11)
    }
}
