import ArgumentParser
import Datasets
import Encoders
import Foundation
import Numerics
import TextModels
import Training

/// `crossmodal bench …`: measure the hot paths on this machine; docs/benchmarks.md records the numbers.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure the hot paths: GEMM, encoders, Doc2Vec, training, evaluation.",
        subcommands: [BenchGEMMCommand.self, BenchEncodersCommand.self, BenchDoc2VecCommand.self, BenchTrainingCommand.self, BenchEvaluationCommand.self]
    )
}

/// Times `body` `repeats` times and returns the fastest run in seconds.
func fastestTime(repeats: Int, _ body: () throws -> Void) rethrows -> Double {
    var best = Double.infinity
    for _ in 0..<max(1, repeats) {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    return best
}

/// `crossmodal bench gemm`: single-precision GEMM GFLOP/s through OpenBLAS.
struct BenchGEMMCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "gemm", abstract: "GEMM GFLOP/s for square sizes.")

    @Option(help: "Matrix sizes to time.")
    var sizes: [Int] = [256, 1024, 2048]

    @Option(help: "OpenBLAS threads (default: all cores).")
    var threads: Int?

    func run() throws {
        if let threads { BLASThreads.set(threads) }
        var generator = SeededGenerator(seed: 1)
        var rows = [["size", "threads", "seconds", "GFLOP/s"]]
        for n in sizes {
            var a = Matrix(rows: n, columns: n)
            for i in a.values.indices { a.values[i] = generator.uniformFloat() }
            var c = Matrix(rows: n, columns: n)
            let seconds = try fastestTime(repeats: 5) { try Matrix.gemm(a, a, into: &c) }
            rows.append(["\(n)", "\(BLASThreads.current)", String(format: "%.4f", seconds), String(format: "%.1f", 2 * pow(Double(n), 3) / seconds / 1e9)])
        }
        print("OpenBLAS kernels: \(BLASKernel.coreName)")
        print(TextTable.render(rows, rightAligned: [0, 1, 2, 3]).joined(separator: "\n"))
    }
}

/// `crossmodal bench encoders`: encoder throughput on real dataset items, decoding separated out.
struct BenchEncodersCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encoders", abstract: "Images/s and captions/s of the encoders on a dataset split.")

    @OptionGroup var datasetOptions: DatasetOptions

    @Option(help: "The split to draw items from.")
    var split = "dev"

    @Option(help: "How many images to encode.")
    var images = 256

    @Option(help: "How many captions to encode.")
    var captions = 2000

    @Option(help: "Images per forward pass.")
    var imageBatch = 16

    @Option(help: "Captions per forward pass.")
    var textBatch = 64

    @Option(help: "The folder of pretrained weights.")
    var models: String?

    func run() throws {
        let dataset = try datasetOptions.load()
        let store = try ModelStore.locate(explicit: models)
        let files = try dataset.images(in: split).prefix(images).map(\.file)
        let texts = try dataset.captions(in: split).prefix(captions).map(\.text)

        var decoded: [RGBImage] = []
        let decodeSeconds = try fastestTime(repeats: 1) {
            decoded = try files.map { try RGBImage.load($0) }
        }
        let network = try EfficientNetLite0(weightsFile: store.require(store.efficientNetLite0, model: "EfficientNet-Lite0"))
        _ = network.features(Array(decoded.prefix(imageBatch)))  // warm-up
        let imageSeconds = fastestTime(repeats: 1) {
            for start in stride(from: 0, to: decoded.count, by: imageBatch) {
                _ = network.features(Array(decoded[start..<min(start + imageBatch, decoded.count)]))
            }
        }
        let miniLM = try MiniLMEncoder(folder: store.miniLM)
        let tokenSeconds = fastestTime(repeats: 1) { _ = texts.map(miniLM.tokenizer.encode) }
        let textSeconds = fastestTime(repeats: 1) {
            for start in stride(from: 0, to: texts.count, by: textBatch) {
                _ = miniLM.embed(Array(texts[start..<min(start + textBatch, texts.count)]))
            }
        }
        let glove = try WordVectors.load(wordsFile: store.gloveWords, vectorsFile: store.gloveVectors)
        let gloveSeconds = fastestTime(repeats: 3) { _ = glove.embed(texts, aggregation: .mean) }

        func rate(_ count: Int, _ seconds: Double) -> String { String(format: "%.1f", Double(count) / seconds) }
        let rows = [
            ["what", "items", "seconds", "items/s"],
            ["JPEG decode (1 core)", "\(decoded.count)", String(format: "%.2f", decodeSeconds), rate(decoded.count, decodeSeconds)],
            ["EfficientNet-Lite0 forward (batch \(imageBatch))", "\(decoded.count)", String(format: "%.2f", imageSeconds), rate(decoded.count, imageSeconds)],
            ["WordPiece tokenizer", "\(texts.count)", String(format: "%.3f", tokenSeconds), rate(texts.count, tokenSeconds)],
            ["MiniLM-L6 (tokenize + forward, batch \(textBatch))", "\(texts.count)", String(format: "%.2f", textSeconds), rate(texts.count, textSeconds)],
            ["GloVe-50d mean", "\(texts.count)", String(format: "%.3f", gloveSeconds), rate(texts.count, gloveSeconds)],
        ]
        print(TextTable.render(rows, rightAligned: [1, 2, 3]).joined(separator: "\n"))
    }
}

/// `crossmodal bench doc2vec`: Doc2Vec training words/s on a split's captions (training only).
struct BenchDoc2VecCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "doc2vec", abstract: "Doc2Vec training words/s (in-vocabulary words × epochs / seconds).")

    @OptionGroup var datasetOptions: DatasetOptions

    @Option(help: "The split whose captions are the documents.")
    var split = "train"

    @Option(help: "Settings: captions or reference.")
    var preset: Doc2VecPreset = .reference

    @Option(help: "Worker counts to time.")
    var workers: [Int] = [1, 2]

    @Option(help: "Override the preset's epochs.")
    var epochs: Int?

    @Option(help: "Override the preset's min_count.")
    var minCount: Int?

    func run() throws {
        let captions = try datasetOptions.load().captions(in: split)
        var base = preset == .captions ? Doc2VecConfiguration() : .reference
        if let epochs { base.epochs = epochs }
        if let minCount { base.minCount = minCount }
        let documents = captions.map { base.preprocessing.tokens($0.text) }
        let ids = captions.map(\.id)
        var rows = [["mode", "workers", "documents", "words × epochs", "seconds", "words/s"]]
        for count in workers {
            var configuration = base
            configuration.workers = count
            var model: Doc2VecModel?
            let seconds = try fastestTime(repeats: 1) {
                model = try Doc2VecModel.train(documents: documents, ids: ids, configuration: configuration)
            }
            let words = (model?.wordCounts.reduce(0, +) ?? 0) * configuration.epochs
            rows.append([configuration.mode.rawValue, "\(count)", grouped(documents.count), grouped(words),
                         String(format: "%.2f", seconds), grouped(Int(Double(words) / seconds))])
        }
        print(TextTable.render(rows, rightAligned: [1, 2, 3, 4, 5]).joined(separator: "\n"))
    }
}

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
