import Foundation
import Numerics
import Testing
import TextModels

@Suite struct Doc2VecTests {
    /// Three planted topics of ten words each; every document mixes words of one topic with a few
    /// words shared by all topics.
    static func plantedCorpus(documentsPerTopic: Int = 30, seed: UInt64 = 3) -> (documents: [[String]], topics: [Int]) {
        let topics = [
            ["dog", "puppy", "leash", "bark", "fetch", "ball", "park", "tail", "collar", "bone"],
            ["ocean", "wave", "surf", "beach", "sand", "swim", "boat", "shore", "tide", "sail"],
            ["snow", "ski", "mountain", "slope", "cold", "jacket", "sled", "ice", "winter", "lift"],
        ]
        let shared = ["people", "day", "outside", "photo", "group"]
        var generator = SeededGenerator(seed: seed)
        var documents: [[String]] = []
        var labels: [Int] = []
        for topic in 0..<3 {
            for _ in 0..<documentsPerTopic {
                var words = (0..<10).map { _ in topics[topic][generator.int(below: 10)] }
                words += (0..<3).map { _ in shared[generator.int(below: shared.count)] }
                generator.shuffle(&words)
                documents.append(words)
                labels.append(topic)
            }
        }
        return (documents, labels)
    }

    static func sameTopicShare(_ model: Doc2VecModel, topics: [Int], k: Int = 5) throws -> Double {
        let vectors = model.documentVectors.rowNormalized()
        let similarities = try Matrix.product(vectors, vectors, transposeB: .transposed)
        var same = 0
        for row in 0..<vectors.rows {
            let values = similarities.row(row)
            let nearest = selectTopK(values, k: k, isExcluded: { index, _ in index == row })
            same += nearest.filter { topics[$0.index] == topics[row] }.count
        }
        return Double(same) / Double(vectors.rows * k)
    }

    @Test(arguments: [Doc2VecConfiguration.Mode.pvdm, .pvdbow])
    func neighboursComeFromThePlantedTopic(mode: Doc2VecConfiguration.Mode) throws {
        let (documents, topics) = Self.plantedCorpus()
        let configuration = Doc2VecConfiguration(
            mode: mode, vectorSize: 24, window: 3, minCount: 1, epochs: 60, negative: 5, sample: 0, alpha: 0.05)
        let model = try Doc2VecModel.train(documents: documents, ids: documents.indices.map(String.init), configuration: configuration)
        let share = try Self.sameTopicShare(model, topics: topics)
        // Chance is 1/3. gensim 4.4 with the same settings scores 0.81–0.82 with PV-DM on this kind of
        // corpus (its context words already predict the topic, so the document vector learns less).
        let floor = mode == .pvdm ? 0.75 : 0.9
        #expect(share >= floor, "\(mode): same-topic share \(share)")
    }

    @Test(arguments: Doc2VecConfiguration.Mode.allCases)
    func sameSeedOneWorkerGivesIdenticalVectors(mode: Doc2VecConfiguration.Mode) throws {
        let (documents, _) = Self.plantedCorpus(documentsPerTopic: 10)
        let ids = documents.indices.map(String.init)
        let configuration = Doc2VecConfiguration(mode: mode, vectorSize: 16, window: 2, minCount: 1, epochs: 5, dbowWords: true, seed: 42)
        let a = try Doc2VecModel.train(documents: documents, ids: ids, configuration: configuration)
        let b = try Doc2VecModel.train(documents: documents, ids: ids, configuration: configuration)
        #expect(a.documentVectors == b.documentVectors)
        #expect(a.wordVectors == b.wordVectors)
        var other = configuration
        other.seed = 43
        let c = try Doc2VecModel.train(documents: documents, ids: ids, configuration: other)
        #expect(a.documentVectors != c.documentVectors)
        #expect(a.infer(tokens: ["dog", "bark"]) == a.infer(tokens: ["dog", "bark"]))
    }

    @Test func inferredVectorsLandNearTheirTopic() throws {
        let (documents, topics) = Self.plantedCorpus()
        let configuration = Doc2VecConfiguration(
            mode: .pvdbow, vectorSize: 24, window: 3, minCount: 1, epochs: 60, sample: 0, alpha: 0.05)
        let model = try Doc2VecModel.train(documents: documents, ids: documents.indices.map(String.init), configuration: configuration)
        let query = try Matrix([model.infer(tokens: ["surf", "wave", "beach", "sand", "tide", "boat"])]).rowNormalized()
        let similarities = try Matrix.product(query, model.documentVectors.rowNormalized(), transposeB: .transposed)
        let nearest = selectTopK(similarities.row(0), k: 10)
        #expect(nearest.filter { topics[$0.index] == 1 }.count >= 9)
    }

    @Test func saveAndLoadRoundTrip() throws {
        let (documents, _) = Self.plantedCorpus(documentsPerTopic: 5)
        let configuration = Doc2VecConfiguration(vectorSize: 8, window: 2, minCount: 1, epochs: 2)
        let model = try Doc2VecModel.train(documents: documents, ids: documents.indices.map { "doc\($0)" }, configuration: configuration)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("crossmodal-d2v-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try model.save(to: folder)
        let loaded = try Doc2VecModel.load(from: folder)
        #expect(loaded.configuration == model.configuration)
        #expect(loaded.vocabulary == model.vocabulary && loaded.wordCounts == model.wordCounts)
        #expect(loaded.wordVectors == model.wordVectors && loaded.documentVectors == model.documentVectors)
        #expect(loaded.outputWeights == model.outputWeights && loaded.documentIDs == model.documentIDs)
        #expect(loaded.infer(tokens: ["dog"]) == model.infer(tokens: ["dog"]))
    }

    @Test func badSettingsAndCorporaAreClearErrors() {
        #expect(throws: TextModelError.self) {
            try Doc2VecModel.train(documents: [["a"]], ids: ["x"], configuration: Doc2VecConfiguration(minCount: 5))
        }
        #expect(throws: TextModelError.self) {
            try Doc2VecModel.train(documents: [["a"]], ids: ["x"], configuration: Doc2VecConfiguration(window: 0))
        }
        #expect(throws: TextModelError.self) {
            try Doc2VecModel.train(documents: [], ids: [], configuration: Doc2VecConfiguration())
        }
    }
}

/// A GRU starts from Doc2Vec's word vectors, so they must be trained: PV-DM moves them from their
/// random start, PV-DBOW alone leaves them there.
@Suite struct Doc2VecWordVectorTests {
    static func train(_ mode: Doc2VecConfiguration.Mode, words: Bool = false) throws -> (Doc2VecModel, Matrix) {
        var configuration = Doc2VecConfiguration()
        configuration.mode = mode
        configuration.dbowWords = words
        configuration.epochs = 20
        configuration.minCount = 1
        configuration.vectorSize = 16
        configuration.preprocessing.removeStopWords = false
        let corpus = Doc2VecTests.plantedCorpus()
        let model = try Doc2VecModel.train(documents: corpus.documents, ids: corpus.documents.indices.map(String.init), configuration: configuration)
        var generator = SeededGenerator(seed: configuration.seed)
        let start = Doc2VecModel.initialVectors(count: model.vocabulary.count, size: configuration.vectorSize, generator: &generator)
        return (model, start)
    }

    static func meanChange(_ a: Matrix, _ b: Matrix) -> Float {
        zip(a.values, b.values).map { abs($0 - $1) }.reduce(0, +) / Float(a.values.count)
    }

    @Test func pvDMTrainsTheWordVectors() throws {
        let (model, start) = try Self.train(.pvdm)
        #expect(model.configuration.trainsWordVectors)
        // The start is uniform in ±1/32; trained vectors move by far more than that on average.
        #expect(Self.meanChange(model.wordVectors, start) > 0.05)
    }

    @Test func pvDBOWAloneLeavesThemAtTheirRandomStart() throws {
        let (untrained, start) = try Self.train(.pvdbow)
        #expect(!untrained.configuration.trainsWordVectors)
        #expect(untrained.wordVectors == start)
        let (trained, start2) = try Self.train(.pvdbow, words: true)
        #expect(trained.configuration.trainsWordVectors)
        #expect(Self.meanChange(trained.wordVectors, start2) > 0.05)
    }
}
