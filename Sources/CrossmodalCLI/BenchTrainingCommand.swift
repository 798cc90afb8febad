import ArgumentParser
import Foundation
import Numerics
import Pipeline
import Training

/// `crossmodal bench training`: training pairs/s of a preset on random features of Flickr8k's shape.
struct BenchTrainingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "training", abstract: "Training pairs/s for one epoch over 30,000 random pairs (6,000 images).")

    @Option(help: "The preset to time.")
    var preset: TrainingPreset = .thomas2020

    @Option(help: "Text feature width for an MLP text tower (384 for MiniLM, 50 for GloVe).")
    var textWidth = 384

    @Option(help: "Text tower: the preset's, or mlp.")
    var textTower: TextTowerKind?

    func run() throws {
        var generator = SeededGenerator(seed: 1)
        func random(_ rows: Int, _ columns: Int) -> Matrix {
            var m = Matrix(rows: rows, columns: columns)
            for i in m.values.indices { m.values[i] = generator.normal() }
            return m
        }
        var configuration = preset.configuration
        if textTower == .mlp {
            configuration.textRecurrentHidden = nil
            configuration.textTower = TowerSpecification()
        }
        let recurrent = configuration.textRecurrentHidden != nil
        // A GRU tower reads token ids: captions of 4–8 words from a 4,000-word vocabulary of 200-d vectors,
        // the shape of Flickr8k after preprocessing.
        func texts(_ count: Int) -> Matrix {
            guard recurrent else { return random(count, textWidth) }
            var tokens = Matrix(rows: count, columns: 32, repeating: -1)
            for r in 0..<count { for c in 0..<(4 + generator.int(below: 5)) { tokens[r, c] = Float(generator.int(below: 4000)) } }
            return tokens
        }
        let captionImage = (0..<30_000).map { $0 / 5 }
        let neighbors = (0..<30_000).map { _ in (0..<10).map { _ in generator.int(below: 30_000) } }
        let training = try FeatureSet(
            imageFeatures: random(6000, 1280), textFeatures: texts(30_000), captionImage: captionImage, neighbors: neighbors)
        let validation = try FeatureSet(
            imageFeatures: random(100, 1280), textFeatures: texts(500), captionImage: (0..<500).map { $0 / 5 })
        configuration.maxEpochs = 1
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("crossmodal-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let record = try Trainer(
            configuration: configuration, training: training, validation: validation, folder: folder,
            wordEmbeddings: recurrent ? random(4000, 200) : nil
        ).run(resume: false)[0]
        print(String(format: "%@: %d pairs, batch %d, %.0f pairs/s (%.1f s per epoch)", preset.rawValue, 30_000,
                     configuration.batchSize, record.pairsPerSecond, 30_000 / record.pairsPerSecond))
    }
}
