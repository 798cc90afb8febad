import Foundation
import Numerics
import Testing

@testable import Training

/// The first work's validation loss (train_cross_modal_retrieval_model.py lines 300–327) by direct summation.
@Suite struct FirstWorkValidationLossTests {
    static func trainer(batchSize: Int, validation: FeatureSet) throws -> Trainer {
        var configuration = TrainingConfiguration(
            imageTower: .init(hidden: [], activation: .none, dropout: 0), textTower: .init(hidden: [], activation: .none, dropout: 0),
            embeddingDimension: 8, normalize: true, loss: .angularNPair(tanSquared: 1, positiveAmongNegatives: true), weights: .crossModal,
            batchSize: batchSize, learningRate: 1e-3, weightDecay: 0, maxEpochs: 1, patience: 1, seed: 1)
        configuration.validationLoss = .firstWork
        return try Trainer(configuration: configuration, training: validation, validation: validation, folder: TrainerTests.folder())
    }

    /// One batch holding every validation pair draws every text as a negative, so the draw's order cannot matter:
    /// the loss is the mean over pairs of log(1 + Σⱼ exp(4(aᵢ + pᵢ)·nⱼ − 4 aᵢ·pᵢ)) over all n texts, each once.
    @Test func oneBatchOfEverythingIsTheirFormula() throws {
        let validation = try TrainerTests.syntheticSet(images: 12, seed: 5)
        let trainer = try Self.trainer(batchSize: 4_096, validation: validation)
        let images = try Matrix(rows: 12, columns: 8, values: (0..<96).map { Float(sin(Double($0))) }).rowNormalized()
        let n = validation.captionImage.count
        let texts = try Matrix(rows: n, columns: 8, values: (0..<(n * 8)).map { Float(cos(Double($0) * 0.7)) }).rowNormalized()
        var expected = 0.0
        func dot(_ x: [Float], _ y: [Float]) -> Double {
            var total = 0.0
            for c in x.indices { total += Double(x[c]) * Double(y[c]) }
            return total
        }
        for i in 0..<n {
            let a = images.row(validation.captionImage[i]), p = texts.row(i)
            let ap = dot(a, p)
            var sum = 0.0
            for j in 0..<n {
                let negative = texts.row(j)
                let f: Double = 4 * (dot(a, negative) + dot(p, negative)) - 4 * ap
                sum += exp(f)
            }
            expected += log(1 + sum)
        }
        expected /= Double(n)
        let got = try trainer.firstWorkValidationLoss(images: images, texts: texts)
        #expect(abs(got - expected) < 1e-4 * max(1, abs(expected)), "\(got) vs \(expected)")
        // The draws are fixed: every epoch's validation sees the same negatives.
        let small = try Self.trainer(batchSize: 5, validation: validation)
        #expect(try small.firstWorkValidationLoss(images: images, texts: texts) == (try small.firstWorkValidationLoss(images: images, texts: texts)))
    }

    @Test func anotherLossIsRefused() {
        var configuration = TrainingConfiguration()
        configuration.loss = .tripletSquaredL2(margin: 1)
        configuration.validationLoss = .firstWork
        #expect(throws: TrainingError.self) { try configuration.validate() }
    }
}
