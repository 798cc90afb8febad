import Dispatch
import Foundation
import Numerics
import Synchronization

/// A trained Doc2Vec model: vocabulary, word vectors, document vectors and the negative-sampling
/// output weights.
///
/// Training follows Le & Mikolov (2014) as word2vec and gensim implement it: negative sampling from
/// the unigram distribution raised to 0.75, frequent-word down-sampling, a per-word random reduction
/// of the window, and a learning rate decaying linearly over all epochs. PV-DM predicts each word
/// from the mean of the document vector and the context word vectors; PV-DBOW predicts each word
/// from the document vector alone (optionally training skip-gram word vectors too).
public struct Doc2VecModel: Sendable {
    /// The settings the model was trained with.
    public let configuration: Doc2VecConfiguration
    /// The kept words, most frequent first.
    public let vocabulary: [String]
    /// How often each kept word occurs in the training corpus.
    public let wordCounts: [Int]
    /// One row per vocabulary word.
    public internal(set) var wordVectors: Matrix
    /// One row per training document.
    public internal(set) var documentVectors: Matrix
    /// The output layer of negative sampling, one row per word.
    public internal(set) var outputWeights: Matrix
    /// The training documents' ids, in row order.
    public let documentIDs: [String]
    let wordIndex: [String: Int32]

    /// Assembles a model from its parts (used by training and loading).
    /// The random start of `count` vectors, uniform in ±1/(2·size) as word2vec and gensim draw it; training
    /// draws the word vectors first, from a generator seeded with the configuration's seed.
    public static func initialVectors(count: Int, size: Int, generator: inout SeededGenerator) -> Matrix {
        var vectors = Matrix(rows: count, columns: size)
        for i in vectors.values.indices { vectors.values[i] = (generator.uniformFloat() - 0.5) / Float(size) }
        return vectors
    }

    init(
        configuration: Doc2VecConfiguration, vocabulary: [String], wordCounts: [Int], wordVectors: Matrix,
        documentVectors: Matrix, outputWeights: Matrix, documentIDs: [String]
    ) {
        self.configuration = configuration
        self.vocabulary = vocabulary
        self.wordCounts = wordCounts
        self.wordVectors = wordVectors
        self.documentVectors = documentVectors
        self.outputWeights = outputWeights
        self.documentIDs = documentIDs
        var index: [String: Int32] = [:]
        for (i, word) in vocabulary.enumerated() { index[word] = Int32(i) }
        self.wordIndex = index
    }

    /// Whether `word` (a token as the configuration's preprocessing makes it) is in the vocabulary.
    public func knows(_ word: String) -> Bool { wordIndex[word] != nil }

    /// The vector of a vocabulary word.
    public func wordVector(_ word: String) -> [Float]? {
        wordIndex[word].map { wordVectors.row(Int($0)) }
    }

    /// Trains on raw texts, preprocessing them with the configuration's settings.
    ///
    /// - Parameter progress: called now and then with the number of words processed so far, out of
    ///   `epochs ×` the corpus' in-vocabulary words.
    public static func train(
        texts: [String], ids: [String], configuration: Doc2VecConfiguration,
        progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil
    ) throws(TextModelError) -> Doc2VecModel {
        try train(
            documents: texts.map(configuration.preprocessing.tokens), ids: ids, configuration: configuration,
            progress: progress)
    }

    /// Trains on already tokenised documents.
    ///
    /// - Complexity: O(epochs · words · (window + negative) · vectorSize).
    public static func train(
        documents: [[String]], ids: [String], configuration: Doc2VecConfiguration,
        progress: (@Sendable (_ done: Int, _ total: Int) -> Void)? = nil
    ) throws(TextModelError) -> Doc2VecModel {
        try configuration.validate()
        guard documents.count == ids.count else {
            throw TextModelError("\(documents.count) documents but \(ids.count) ids")
        }
        guard !documents.isEmpty else { throw TextModelError("no documents to train on") }

        // Vocabulary: words with at least minCount occurrences, most frequent first (ties by first use).
        var counts: [String: Int] = [:]
        var firstSeen: [String: Int] = [:]
        for document in documents {
            for word in document {
                counts[word, default: 0] += 1
                if firstSeen[word] == nil { firstSeen[word] = firstSeen.count }
            }
        }
        let kept = counts.filter { $0.value >= configuration.minCount }
            .sorted { $0.value != $1.value ? $0.value > $1.value : firstSeen[$0.key]! < firstSeen[$1.key]! }
        guard !kept.isEmpty else {
            throw TextModelError("no word occurs at least \(configuration.minCount) times (min_count); lower --min-count")
        }
        let vocabulary = kept.map(\.key)
        let wordCounts = kept.map(\.value)
        var index: [String: Int32] = [:]
        for (i, word) in vocabulary.enumerated() { index[word] = Int32(i) }
        let corpus = EncodedCorpus(documents: documents, index: index)

        let size = configuration.vectorSize
        var generator = SeededGenerator(seed: configuration.seed)
        var wordVectors = Self.initialVectors(count: vocabulary.count, size: size, generator: &generator)
        var documentVectors = Matrix(rows: documents.count, columns: size)
        for i in documentVectors.values.indices { documentVectors.values[i] = (generator.uniformFloat() - 0.5) / Float(size) }
        var outputWeights = Matrix(rows: vocabulary.count, columns: size)

        let tables = SamplingTables(counts: wordCounts, sample: configuration.sample)
        let workers = min(configuration.workers, documents.count)
        let totalWords = corpus.totalWords * configuration.epochs
        let processed = Atomic<Int>(0)
        wordVectors.values.withUnsafeMutableBufferPointer { words in
            documentVectors.values.withUnsafeMutableBufferPointer { docs in
                outputWeights.values.withUnsafeMutableBufferPointer { output in
                    // Hogwild: workers update shared rows without locks, as word2vec and gensim do.
                    nonisolated(unsafe) let weights = Doc2VecWeights(
                        words: words.baseAddress!, documents: docs.baseAddress!, output: output.baseAddress!,
                        size: size)
                    nonisolated(unsafe) let base = generator
                    DispatchQueue.concurrentPerform(iterations: workers) { worker in
                        var trainer = Doc2VecTrainer(
                            configuration: configuration, tables: tables, weights: weights,
                            generator: base.derived(stream: UInt64(worker)), learnWords: true, learnOutput: true)
                        var sinceReport = 0
                        for _ in 0..<configuration.epochs {
                            let first = worker * corpus.count / workers
                            let last = (worker + 1) * corpus.count / workers
                            for document in first..<last {
                                let words = corpus.words(of: document)
                                let done = processed.load(ordering: .relaxed)
                                let fraction = Float(Double(done) / Double(max(totalWords, 1)))
                                trainer.alpha = configuration.alpha - (configuration.alpha - configuration.minAlpha) * min(1, fraction)
                                trainer.train(document: document, words: words)
                                processed.add(words.count, ordering: .relaxed)
                                sinceReport += words.count
                                if worker == 0, sinceReport >= 20_000 {
                                    sinceReport = 0
                                    progress?(processed.load(ordering: .relaxed), totalWords)
                                }
                            }
                        }
                    }
                }
            }
        }
        progress?(totalWords, totalWords)
        return Doc2VecModel(
            configuration: configuration, vocabulary: vocabulary, wordCounts: wordCounts, wordVectors: wordVectors,
            documentVectors: documentVectors, outputWeights: outputWeights, documentIDs: ids)
    }

    /// A vector for an unseen text: a new document vector trained against the frozen model.
    ///
    /// The text is preprocessed as in training. The same text and seed give the same vector.
    /// - Parameter epochs: passes over the text (default: the training epochs).
    public func infer(_ text: String, epochs: Int? = nil, seed: UInt64? = nil) -> [Float] {
        infer(tokens: configuration.preprocessing.tokens(text), epochs: epochs, seed: seed)
    }

    /// A vector for an unseen, already tokenised document; see ``infer(_:epochs:seed:)``.
    public func infer(tokens: [String], epochs: Int? = nil, seed: UInt64? = nil) -> [Float] {
        let size = configuration.vectorSize
        let words = tokens.compactMap { wordIndex[$0] }
        var generator = SeededGenerator(seed: (seed ?? configuration.seed) ^ tokens.joined(separator: " ").hashValueStable)
        var vector = (0..<size).map { _ in (generator.uniformFloat() - 0.5) / Float(size) }
        let passes = epochs ?? configuration.epochs
        let tables = SamplingTables(counts: wordCounts, sample: configuration.sample)
        wordVectors.values.withUnsafeBufferPointer { wordBuffer in
            outputWeights.values.withUnsafeBufferPointer { outputBuffer in
                vector.withUnsafeMutableBufferPointer { document in
                    words.withUnsafeBufferPointer { wordList in
                        // Only the document row is written: learnWords and learnOutput are off.
                        let weights = Doc2VecWeights(
                            words: UnsafeMutablePointer(mutating: wordBuffer.baseAddress!), documents: document.baseAddress!,
                            output: UnsafeMutablePointer(mutating: outputBuffer.baseAddress!), size: size)
                        var trainer = Doc2VecTrainer(
                            configuration: configuration, tables: tables, weights: weights, generator: generator,
                            learnWords: false, learnOutput: false)
                        for pass in 0..<passes {
                            trainer.alpha = configuration.alpha
                                - (configuration.alpha - configuration.minAlpha) * Float(pass) / Float(max(passes, 1))
                            trainer.train(document: 0, words: wordList)
                        }
                    }
                }
            }
        }
        return vector
    }
}

extension String {
    /// A hash that, unlike `hashValue`, is the same in every process (FNV-1a over UTF-8).
    var hashValueStable: UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in utf8 {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01B3
        }
        return h
    }
}

/// The corpus as word indices, out-of-vocabulary words dropped, documents end to end, in one
/// allocation that worker threads read concurrently.
final class EncodedCorpus: @unchecked Sendable {
    private let indices: UnsafeMutableBufferPointer<Int32>
    private let offsets: [Int]

    init(documents: [[String]], index: [String: Int32]) {
        var flat: [Int32] = []
        var offsets = [0]
        for document in documents {
            for word in document { if let i = index[word] { flat.append(i) } }
            offsets.append(flat.count)
        }
        indices = .allocate(capacity: max(flat.count, 1))
        _ = indices.initialize(from: flat)
        self.offsets = offsets
    }

    deinit { indices.deallocate() }

    var count: Int { offsets.count - 1 }
    var totalWords: Int { offsets.last! }

    func words(of document: Int) -> UnsafeBufferPointer<Int32> {
        UnsafeBufferPointer(rebasing: UnsafeBufferPointer(indices)[offsets[document]..<offsets[document + 1]])
    }
}
