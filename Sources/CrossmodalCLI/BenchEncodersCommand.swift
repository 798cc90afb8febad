import ArgumentParser
import Encoders
import Foundation
import Pipeline

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

    @OptionGroup var weights: WeightsOptions

    func run() throws {
        let dataset = try datasetOptions.load()
        let store = try weights.store()
        let files = try dataset.images(in: split).prefix(images)
        let texts = try dataset.captions(in: split).prefix(captions).map(\.text)

        var decoded: [RGBImage] = []
        let decodeSeconds = try fastestTime(repeats: 1) {
            decoded = try files.map { try $0.decoded() }
        }
        let network = try store.loadEfficientNet(.lite0)
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
