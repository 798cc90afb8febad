import Evaluation
import Foundation
import Numerics
import Testing
import Training

/// The second work's failure, "the triplet loss collapses all instances to a single point": where it
/// comes from and which settings show it.
@Suite struct CollapseTests {
    /// Images and captions that share nothing, so no direction separates a caption's image from the
    /// others: what a model sees early in training, before it has found the signal.
    static func unrelatedSet(images: Int, seed: UInt64) throws -> FeatureSet {
        var generator = SeededGenerator(seed: seed)
        var imageFeatures = Matrix(rows: images, columns: 32)
        var textFeatures = Matrix(rows: images * 3, columns: 24)
        for i in imageFeatures.values.indices { imageFeatures.values[i] = generator.normal() }
        for i in textFeatures.values.indices { textFeatures.values[i] = generator.normal() }
        return try FeatureSet(imageFeatures: imageFeatures, textFeatures: textFeatures, captionImage: (0..<(images * 3)).map { $0 / 3 })
    }

    /// The second work's projections scaled down (PReLU MLPs, output dropout 0.5 and 0.1, Adam), one
    /// batch holding the whole training set.
    static func train(loss: PairLoss, normalize: Bool) throws -> [EpochRecord] {
        let configuration = TrainingConfiguration(
            imageTower: .init(hidden: [64], activation: .prelu, dropout: 0, outputDropout: 0.5),
            textTower: .init(hidden: [64], activation: .prelu, dropout: 0, outputDropout: 0.1),
            embeddingDimension: 64, normalize: normalize, loss: loss, weights: .crossModal,
            batchSize: 600, learningRate: 1e-2, weightDecay: 0, maxEpochs: 30, patience: 100, seed: 3)
        let folder = TrainerTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let trainer = try Trainer(
            configuration: configuration, training: try unrelatedSet(images: 200, seed: 11),
            validation: try unrelatedSet(images: 40, seed: 12), folder: folder)
        return try trainer.run(resume: false)
    }

    @Test(arguments: [PairLoss.tripletSquaredL2(margin: 1), .hardestTripletSquaredL2(margin: 1)])
    func onePointIsAStationaryPointAtTheMargin(loss: PairLoss) throws {
        let point: [Float] = [0.3, -1.2, 0.5, 2]
        let rows = try Matrix(Array(repeating: point, count: 5))
        let r = try loss.evaluate(anchors: rows, positives: rows, anchorGroups: [0, 1, 2, 3, 4], positiveGroups: [0, 1, 2, 3, 4])
        // Every distance is 0, so each hinge is exactly the margin and no gradient leads out.
        #expect(abs(r.loss - 1) < 1e-6)
        #expect(r.anchors.values.allSatisfy { abs($0) < 1e-6 })
        #expect(r.positives.values.allSatisfy { abs($0) < 1e-6 })
    }

    @Test func hardestNegativesShrinkAnUnnormalisedSpaceTowardsOnePoint() throws {
        let records = try Self.train(loss: .hardestTripletSquaredL2(margin: 1), normalize: false)
        let first = records.first!.spread!, last = records.last!.spread!
        // Both towers shrink towards the origin (measured: norms 1.4 → 0.34 in 30 epochs) and the
        // loss of both directions falls towards 2 × margin, the loss of a collapsed space.
        #expect(last.images.meanNorm < first.images.meanNorm / 3)
        #expect(last.texts.meanNorm < first.texts.meanNorm / 3)
        #expect(abs(records.last!.trainLoss - 2) < 0.3)
    }

    @Test func normalisationDoesNotStopTheHardestNegativeCollapse() throws {
        let records = try Self.train(loss: .hardestTripletSquaredL2(margin: 1), normalize: true)
        // On the sphere the norm cannot shrink, so the points gather instead (measured: relative
        // spread 0.69/0.64 after two epochs, 0.18/0.11 after 30).
        let last = records.last!.spread!
        #expect(last.images.relative < 0.3 && last.texts.relative < 0.3)
        #expect(abs(records.last!.trainLoss - 2) < 0.3)
    }

    @Test func theSecondWorksAverageOverNegativesDoesNotCollapse() throws {
        // Their loss with one random negative is, in expectation, our mean over the batch's negatives.
        let records = try Self.train(loss: .tripletSquaredL2(margin: 1), normalize: false)
        let last = records.last!.spread!
        for side in [last.images, last.texts] { #expect(side.relative > 0.5 && side.meanNorm > 0.5) }
        #expect(!last.isCollapsed)
    }
}

