import Foundation
import Numerics
import Testing
import Training

@Suite struct TrainerTests {
    /// Images and captions that share a hidden 8-d code, seen through different random projections,
    /// with neighbours among captions of nearby codes: learnable, small and fast.
    static func syntheticSet(images: Int, seed: UInt64) throws -> FeatureSet {
        var generator = SeededGenerator(seed: seed)
        var projectionGenerator = SeededGenerator(seed: 99)
        let imageProjection = (0..<(8 * 32)).map { _ in projectionGenerator.normal() }
        let textProjection = (0..<(8 * 24)).map { _ in projectionGenerator.normal() }
        var imageFeatures = Matrix(rows: images, columns: 32)
        var textFeatures = Matrix(rows: images * 3, columns: 24)
        var captionImage: [Int] = []
        for i in 0..<images {
            let code = (0..<8).map { _ in generator.normal() }
            for c in 0..<32 { imageFeatures[i, c] = (0..<8).reduce(0) { $0 + code[$1] * imageProjection[$1 * 32 + c] } }
            for k in 0..<3 {
                let row = i * 3 + k
                for c in 0..<24 {
                    textFeatures[row, c] = (0..<8).reduce(0) { $0 + code[$1] * textProjection[$1 * 24 + c] } + 0.3 * generator.normal()
                }
                captionImage.append(i)
            }
        }
        let neighbors = (0..<(images * 3)).map { row in [(row + 1) % (images * 3), (row + 2) % (images * 3)] }
        return try FeatureSet(imageFeatures: imageFeatures, textFeatures: textFeatures, captionImage: captionImage, neighbors: neighbors)
    }

    static var configuration: TrainingConfiguration {
        TrainingConfiguration(
            imageTower: .init(hidden: [32], dropout: 0.1), textTower: .init(hidden: [32], dropout: 0.1), embeddingDimension: 16,
            weights: .neighborhoods, batchSize: 16, learningRate: 3e-3, maxEpochs: 4, patience: 10, seed: 7)
    }

    static func folder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("crossmodal-run-\(UUID().uuidString)")
    }

    @Test func learnsTheSharedCode() throws {
        let training = try Self.syntheticSet(images: 120, seed: 1)
        let validation = try Self.syntheticSet(images: 40, seed: 2)
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var configuration = Self.configuration
        configuration.maxEpochs = 8
        let trainer = try Trainer(configuration: configuration, training: training, validation: validation, folder: folder)
        let before = try trainer.evaluate()
        let records = try trainer.run(resume: false)
        #expect(records.count == 8)
        #expect(records.last!.trainLoss < records.first!.trainLoss * 0.8)
        // Chance rsum on 40 images with 3 captions each is about 85; the shared code makes it easy.
        #expect(records.map(\.rsum).max()! > max(before.rsum, 85) + 100)
        let lines = try String(contentsOf: folder.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 8)
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("best.safetensors").path))
    }

    @Test func resumeAfterAnInterruptionEqualsAnUninterruptedRun() throws {
        let training = try Self.syntheticSet(images: 60, seed: 3)
        let validation = try Self.syntheticSet(images: 20, seed: 4)
        let straight = Self.folder(), interrupted = Self.folder()
        defer {
            try? FileManager.default.removeItem(at: straight)
            try? FileManager.default.removeItem(at: interrupted)
        }
        let full = try Trainer(configuration: Self.configuration, training: training, validation: validation, folder: straight).run(resume: false)
        // Stop after two epochs, as a kill after the second checkpoint would, then resume in a new trainer.
        _ = try Trainer(configuration: Self.configuration, training: training, validation: validation, folder: interrupted)
            .run(resume: false, stopAfter: 2)
        let resumed = try Trainer(configuration: Self.configuration, training: training, validation: validation, folder: interrupted)
            .run(resume: true)
        // Everything but the measured speed is identical.
        func withoutTiming(_ records: [EpochRecord]) -> [EpochRecord] {
            records.map { record in
                var copy = record
                copy.pairsPerSecond = 0
                return copy
            }
        }
        #expect(withoutTiming(resumed) == withoutTiming(full))
        let a = try Data(contentsOf: straight.appendingPathComponent("last.safetensors"))
        let b = try Data(contentsOf: interrupted.appendingPathComponent("last.safetensors"))
        #expect(a == b)
    }

    @Test func trainingSetTextNegativesTrainToo() throws {
        let training = try Self.syntheticSet(images: 60, seed: 8)
        let validation = try Self.syntheticSet(images: 20, seed: 9)
        let folder = Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var configuration = Self.configuration
        configuration.trainingSetTextNegatives = 8
        let records = try Trainer(configuration: configuration, training: training, validation: validation, folder: folder).run(resume: false)
        #expect(records.last!.trainLoss < records.first!.trainLoss)
        #expect(records.map(\.rsum).max()! > 300)
    }

    @Test func sameSeedSameModel() throws {
        let training = try Self.syntheticSet(images: 30, seed: 5)
        let validation = try Self.syntheticSet(images: 10, seed: 6)
        let first = Self.folder(), second = Self.folder()
        defer {
            try? FileManager.default.removeItem(at: first)
            try? FileManager.default.removeItem(at: second)
        }
        var configuration = Self.configuration
        configuration.maxEpochs = 2
        _ = try Trainer(configuration: configuration, training: training, validation: validation, folder: first).run(resume: false)
        _ = try Trainer(configuration: configuration, training: training, validation: validation, folder: second).run(resume: false)
        #expect(try Data(contentsOf: first.appendingPathComponent("best.safetensors")) == Data(contentsOf: second.appendingPathComponent("best.safetensors")))
    }

    @Test func neighbourTermsNeedNeighbourhoods() throws {
        let set = try Self.syntheticSet(images: 10, seed: 1)
        let bare = try FeatureSet(imageFeatures: set.imageFeatures, textFeatures: set.textFeatures, captionImage: set.captionImage)
        #expect(throws: TrainingError.self) {
            try Trainer(configuration: Self.configuration, training: bare, validation: bare, folder: Self.folder())
        }
        var bad = Self.configuration
        bad.weights = ObjectiveWeights()
        #expect(throws: TrainingError.self) { try bad.validate() }
        bad.weights = ObjectiveWeights(imageToText: 1, textToImage: -1)
        #expect(throws: TrainingError.self) { try bad.validate() }
        #expect(throws: TrainingError.self) { try ObjectiveWeights(ordered: [1, 1]) }
    }
}

@Suite struct RetrievalMetricsTests {
    @Test func handComputedRanks() throws {
        // Two images, four captions: captions 0, 1 belong to image 0; 2, 3 to image 1.
        let images = try Matrix([[1, 0], [0, 1]])
        let texts = try Matrix([[0.2, 0.9], [0.9, 0.1], [0.1, 0.8], [0.7, 0.6]])
        let metrics = try RetrievalMetrics.evaluate(images: images, texts: texts, captionImage: [0, 0, 1, 1])
        // Image 0 scores captions 0.2, 0.9, 0.1, 0.7: its caption 1 ranks first. Image 1 scores
        // 0.9, 0.1, 0.8, 0.6: its best caption (2, 0.8) ranks second.
        #expect(metrics.imageToText == [50, 100, 100])
        // Caption 0: image 0 scores 0.2, image 1 0.9, so rank 2; caption 1: rank 1; caption 2: rank 1;
        // caption 3: image 0 scores 0.7 > 0.6, rank 2.
        #expect(metrics.textToImage == [50, 100, 100])
        #expect(metrics.rsum == 500)
        #expect(metrics.medianRank == [1.5, 1.5])
    }
}
