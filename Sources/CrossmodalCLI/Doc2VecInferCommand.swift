import ArgumentParser
import Foundation
import Numerics
import TextModels

/// `crossmodal doc2vec infer`: a vector for a new text, and the training captions nearest to it.
struct Doc2VecInferCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Infer a Doc2Vec vector for a text and list the most similar training documents."
    )

    @Argument(help: "A model folder written by `doc2vec train`.")
    var model: String

    @Option(help: "The text to embed.")
    var text: String

    @Option(help: "How many similar training documents to list.")
    var similar = 5

    @Option(help: "Inference passes (default: the training epochs).")
    var epochs: Int?

    @Flag(help: "Print JSON: the vector and the similar documents.")
    var json = false

    func run() throws {
        let model = try Doc2VecModel.load(from: URL(fileURLWithPath: self.model))
        let tokens = model.configuration.preprocessing.tokens(text)
        let vector = model.infer(tokens: tokens, epochs: epochs)
        let query = try Matrix([vector]).rowNormalized()
        let scores = try Matrix.product(query, model.documentVectors.rowNormalized(), transposeB: .transposed)
        let nearest = selectTopK(scores.row(0), k: max(0, similar))
        if json {
            let object: [String: Any] = [
                "tokens": tokens, "vector": vector.map(Double.init),
                "similar": nearest.map { ["id": model.documentIDs[$0.index], "cosine": Double($0.value)] },
            ]
            print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self))
            return
        }
        print("tokens: \(tokens.joined(separator: " "))")
        print("vector (\(vector.count)-d): " + vector.prefix(8).map { String(format: "%.4f", $0) }.joined(separator: " ") + " …")
        for entry in nearest {
            print(String(format: "%.3f  ", entry.value) + model.documentIDs[entry.index])
        }
    }
}
