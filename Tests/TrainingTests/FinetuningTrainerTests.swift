import Foundation
import Numerics
import Testing
import Training

/// Training through an ``ImageNetworkTail``: the blocks learn at their own rate, mirrors are drawn, and a
/// resumed run is bit-identical to an uninterrupted one.
@Suite struct FinetuningTrainerTests {
    static let architecture = ImageTailArchitecture(
        height: 3, width: 3, channels: 4,
        blocks: [.init(input: 4, expanded: 8, output: 4, kernel: 3, stride: 1, residual: true)], headOutput: 16)

    /// The synthetic set of ``TrainerTests`` with each image's 32 features folded into a 3×3×4 map
    /// (within ReLU6's range, as the network's maps are), and a mirror map beside it.
    static func mapSet(images: Int, seed: UInt64, mirrors: Bool) throws -> FeatureSet {
        let plain = try TrainerTests.syntheticSet(images: images, seed: seed)
        let width = architecture.inputWidth
        var maps = Matrix(rows: images, columns: mirrors ? 2 * width : width)
        for r in 0..<images {
            for c in 0..<width {
                let value = min(max(3 + 0.5 * plain.imageFeatures[r, c % 32], 0), 6)
                maps[r, c] = value
                if mirrors { maps[r, width + (c / 12) * 12 + (11 - c % 12)] = value }
            }
        }
        return try FeatureSet(imageFeatures: maps, textFeatures: plain.textFeatures, captionImage: plain.captionImage, neighbors: plain.neighbors)
    }

    static var network: [String: Matrix] {
        var generator = SeededGenerator(seed: 11)
        var weights: [String: Matrix] = [:]
        for (name, rows, columns) in [
            ("b0.expand.weight", 4, 8), ("b0.expand.bias", 1, 8), ("b0.depthwise.weight", 9, 8), ("b0.depthwise.bias", 1, 8),
            ("b0.project.weight", 8, 4), ("b0.project.bias", 1, 4), ("head.weight", 4, 16), ("head.bias", 1, 16),
        ] {
            var m = Matrix(rows: rows, columns: columns)
            for i in m.values.indices { m.values[i] = name.hasSuffix("bias") ? 0.5 : 0.3 * generator.normal() }
            weights[name] = m
        }
        return weights
    }

    static var configuration: TrainingConfiguration {
        var c = TrainerTests.configuration
        c.imageFinetuning = ImageFinetuning(blocks: 1, learningRate: 1e-3, architecture: architecture)
        return c
    }

    @Test func theBlocksTrainAtTheirOwnRate() throws {
        let training = try Self.mapSet(images: 60, seed: 1, mirrors: true)
        let validation = try Self.mapSet(images: 20, seed: 2, mirrors: false)
        let folder = TrainerTests.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var configuration = Self.configuration
        configuration.maxEpochs = 6
        let trainer = try Trainer(configuration: configuration, training: training, validation: validation, folder: folder, imageNetwork: Self.network)
        let tail = try #require(trainer.model.imageTower.layers.first as? ImageNetworkTail)
        #expect(tail.parameters.allSatisfy { $0.learningRateScale == 1e-3 / configuration.learningRate })
        let start = tail.parameters.map(\.value)
        let before = try trainer.evaluate()
        let records = try trainer.run(resume: false)
        #expect(records.last!.trainLoss < records.first!.trainLoss)
        #expect(records.map(\.rsum).max()! > before.rsum + 80, "rsum \(before.rsum) at the start, \(records.map(\.rsum)) after")
        // Every weight of the block and the head moved, from the pretrained values it started at.
        #expect(zip(start, tail.parameters.map(\.value)).allSatisfy { $0 != $1 })
        #expect(start[0] == Self.network["b0.expand.weight"])
    }

    @Test func resumeEqualsAnUninterruptedRun() throws {
        let training = try Self.mapSet(images: 40, seed: 3, mirrors: true)
        let validation = try Self.mapSet(images: 12, seed: 4, mirrors: false)
        let straight = TrainerTests.folder(), interrupted = TrainerTests.folder()
        defer {
            try? FileManager.default.removeItem(at: straight)
            try? FileManager.default.removeItem(at: interrupted)
        }
        var configuration = Self.configuration
        configuration.maxEpochs = 3
        func trainer(_ folder: URL) throws -> Trainer {
            try Trainer(configuration: configuration, training: training, validation: validation, folder: folder, imageNetwork: Self.network)
        }
        _ = try trainer(straight).run(resume: false)
        _ = try trainer(interrupted).run(resume: false, stopAfter: 1)
        _ = try trainer(interrupted).run(resume: true)
        let a = try Data(contentsOf: straight.appendingPathComponent("last.safetensors"))
        let b = try Data(contentsOf: interrupted.appendingPathComponent("last.safetensors"))
        #expect(a == b)
    }

    @Test func mapsOfTheWrongWidthAreRefused() throws {
        let training = try Self.mapSet(images: 10, seed: 5, mirrors: true)
        let validation = try TrainerTests.syntheticSet(images: 10, seed: 6)
        #expect(throws: TrainingError.self) {
            try Trainer(
                configuration: Self.configuration, training: training, validation: validation, folder: TrainerTests.folder(),
                imageNetwork: Self.network)
        }
        // Without its architecture a fine-tuning configuration cannot build its tower.
        var configuration = Self.configuration
        configuration.imageFinetuning?.architecture = nil
        #expect(throws: TrainingError.self) {
            try Trainer(configuration: configuration, training: training, validation: training, folder: TrainerTests.folder())
        }
    }
}
