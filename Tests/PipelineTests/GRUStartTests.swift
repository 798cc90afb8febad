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
            configuration: TrainingPreset.thomas2020.configuration, imageInput: 16, textInput: SplitFeatures.tokenLength,
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
}
