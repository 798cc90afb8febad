import ArgumentParser
import Foundation
import Pipeline
import TextModels

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
        var base = preset.configuration
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
