import Foundation
import Numerics
import Testing
import TextModels
import Training
@testable import Pipeline

/// The GRU text tower starts from trained Doc2Vec word vectors.
@Suite struct GRUStartTests {
    static func model(_ mode: Doc2VecConfiguration.Mode) throws -> Doc2VecModel {
        var configuration = Doc2VecConfiguration()
        configuration.mode = mode
        configuration.minCount = 1
        configuration.epochs = 5
        configuration.vectorSize = 8
        let texts = (0..<40).map { "a \(["red", "blue", "green"][$0 % 3]) square sits on a \(["white", "black"][$0 % 2]) ground" }
        return try Doc2VecModel.train(texts: texts, ids: texts.indices.map(String.init), configuration: configuration)
    }

    @Test func theEmbeddingRowsAreTheDoc2VecWordVectors() throws {
        let doc2vec = try Self.model(.pvdm)
        let joint = try JointModel(
            configuration: TrainingPreset.thomas2020.configuration, imageInput: 16, textInput: 32,
            wordEmbeddings: doc2vec.wordVectors)
        let gru = try #require(joint.textTower.layers.first as? EmbeddingGRU)
        #expect(gru.embeddings.value == doc2vec.wordVectors)
        #expect(gru.embeddings.value.rows == doc2vec.vocabulary.count)
    }

    @Test func aModelWithoutTrainedWordVectorsIsRefused() throws {
        let error = try #require(throws: PipelineError.self) { try RunTraining.checkWordVectors(Self.model(.pvdbow), folder: "d2v") }
        #expect(error.message.contains("word vectors were never trained"))
        try RunTraining.checkWordVectors(Self.model(.pvdm), folder: "d2v")
    }

    @Test func startAndEndTokensFrameEachTextAndGetTheirOwnRows() throws {
        let doc2vec = try Self.model(.pvdm)
        let v = doc2vec.vocabulary.count
        let framed = GRUInput.tokenMatrix(["a red square", "ground"], model: doc2vec, settings: .firstWork)
        #expect(framed.row(0).prefix(3) == [Float(v), Float(doc2vec.vocabulary.firstIndex(of: "red")!), Float(doc2vec.vocabulary.firstIndex(of: "square")!)])
        #expect(framed.row(0)[3] == Float(v + 1) && framed.columns == 4 && framed.row(1) == [Float(v), Float(doc2vec.vocabulary.firstIndex(of: "ground")!), Float(v + 1), -1])
        let table = GRUInput.embeddings(doc2vec, settings: .firstWork, seed: 1)
        #expect(table.rows == v + 2 && table.gatherRows(0..<v) == doc2vec.wordVectors)
        // START and END start from N(0, 1), as torch.nn.Embedding's rows do: unit-scale, not Doc2Vec's ±1/(2·size).
        let framing = table.gatherRows(v..<(v + 2)).values
        let rms = (framing.reduce(0) { $0 + Double($1 * $1) } / Double(framing.count)).squareRoot()
        #expect(rms > 0.6 && rms < 1.5, "rms \(rms) over \(framing.count) values")
        // Ours: at most 32 words, no frame, the word vectors alone.
        #expect(GRUInput.tokenMatrix(["a red square"], model: doc2vec, settings: .standard).columns == 32)
        #expect(GRUInput.embeddings(doc2vec, settings: .standard, seed: 1) == doc2vec.wordVectors)
    }
}
