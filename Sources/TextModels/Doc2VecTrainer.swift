import Foundation
import Numerics

/// Raw pointers to the three weight matrices, shared by the worker threads.
struct Doc2VecWeights {
    let words: UnsafeMutablePointer<Float>
    let documents: UnsafeMutablePointer<Float>
    let output: UnsafeMutablePointer<Float>
    let size: Int

    func word(_ index: Int32) -> UnsafeMutablePointer<Float> { words + Int(index) * size }
    func document(_ index: Int) -> UnsafeMutablePointer<Float> { documents + index * size }
    func outputRow(_ index: Int32) -> UnsafeMutablePointer<Float> { output + Int(index) * size }
}

/// Negative-sampling and down-sampling tables derived from the word counts.
struct SamplingTables: Sendable {
    /// Cumulative `countᵢ^0.75`, for drawing negatives by binary search.
    let cumulative: [Double]
    /// The probability of keeping each occurrence of a word under down-sampling.
    let keepProbability: [Float]

    init(counts: [Int], sample: Double) {
        var running = 0.0
        cumulative = counts.map { count in
            running += pow(Double(count), 0.75)
            return running
        }
        let total = counts.reduce(0.0) { $0 + Double($1) }  // in Double: no sum of counts can trap
        if sample > 0 {
            // word2vec's rule: keep with probability (√(f / t) + 1) · t / f, where t = sample · total.
            let threshold = sample * total
            keepProbability = counts.map { count in
                let frequency = Double(count)
                return Float(min(1, ((frequency / threshold).squareRoot() + 1) * threshold / frequency))
            }
        } else {
            keepProbability = [Float](repeating: 1, count: counts.count)
        }
    }

    /// A word index drawn from the smoothed unigram distribution.
    func negative(_ generator: inout SeededGenerator) -> Int32 {
        let target = generator.uniformDouble() * cumulative.last!
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] <= target { low = middle + 1 } else { high = middle }
        }
        return Int32(low)
    }
}

/// One worker's training state: its generator, learning rate and scratch vectors.
struct Doc2VecTrainer {
    let configuration: Doc2VecConfiguration
    let tables: SamplingTables
    let weights: Doc2VecWeights
    var generator: SeededGenerator
    let learnWords: Bool
    let learnOutput: Bool
    var alpha: Float = 0
    private var hidden: [Float]
    private var error: [Float]
    private var kept: [Int32] = []

    init(
        configuration: Doc2VecConfiguration, tables: SamplingTables, weights: Doc2VecWeights,
        generator: SeededGenerator, learnWords: Bool, learnOutput: Bool
    ) {
        self.configuration = configuration
        self.tables = tables
        self.weights = weights
        self.generator = generator
        self.learnWords = learnWords
        self.learnOutput = learnOutput
        hidden = [Float](repeating: 0, count: configuration.vectorSize)
        error = [Float](repeating: 0, count: configuration.vectorSize)
    }

    /// One pass over one document.
    mutating func train(document: Int, words: UnsafeBufferPointer<Int32>) {
        kept.removeAll(keepingCapacity: true)
        for word in words where tables.keepProbability[Int(word)] >= 1 || tables.keepProbability[Int(word)] > generator.uniformFloat() {
            kept.append(word)
        }
        guard !kept.isEmpty else { return }
        switch configuration.mode {
        case .pvdm: trainDistributedMemory(document: document)
        case .pvdbow: trainBagOfWords(document: document)
        }
    }

    /// PV-DM: each word predicted from the mean of the document vector and its context words.
    private mutating func trainDistributedMemory(document: Int) {
        let size = weights.size
        let documentRow = weights.document(document)
        let window = configuration.window
        for position in 0..<kept.count {
            let reduced = window - generator.int(below: window)
            let start = max(0, position - reduced)
            let end = min(kept.count, position + reduced + 1)
            hidden.withUnsafeMutableBufferPointer { h in
                h.baseAddress!.update(from: documentRow, count: size)
                for j in start..<end where j != position {
                    VectorOps.axpy(1, weights.word(kept[j]), h.baseAddress!, count: size)
                }
                VectorOps.scale(1 / Float(end - start), h.baseAddress!, count: size)
            }
            negativeSampling(target: kept[position])
            error.withUnsafeBufferPointer { e in
                VectorOps.axpy(1, e.baseAddress!, documentRow, count: size)
                if learnWords {
                    for j in start..<end where j != position {
                        VectorOps.axpy(1, e.baseAddress!, weights.word(kept[j]), count: size)
                    }
                }
            }
        }
    }

    /// PV-DBOW: each word predicted from the document vector; optionally skip-gram word training.
    private mutating func trainBagOfWords(document: Int) {
        let size = weights.size
        let documentRow = weights.document(document)
        for position in 0..<kept.count {
            hidden.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: documentRow, count: size) }
            negativeSampling(target: kept[position])
            error.withUnsafeBufferPointer { VectorOps.axpy(1, $0.baseAddress!, documentRow, count: size) }
        }
        guard configuration.dbowWords, learnWords else { return }
        let window = configuration.window
        for position in 0..<kept.count {
            let reduced = window - generator.int(below: window)
            for j in max(0, position - reduced)..<min(kept.count, position + reduced + 1) where j != position {
                let input = weights.word(kept[j])
                hidden.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: input, count: size) }
                negativeSampling(target: kept[position])
                error.withUnsafeBufferPointer { VectorOps.axpy(1, $0.baseAddress!, input, count: size) }
            }
        }
    }

    /// Logistic loss on the target (label 1) and `negative` sampled words (label 0), given the
    /// hidden vector; leaves the gradient for the input in `error` and updates the output rows.
    private mutating func negativeSampling(target: Int32) {
        let size = weights.size
        hidden.withUnsafeBufferPointer { h in
            error.withUnsafeMutableBufferPointer { e in
                e.update(repeating: 0)
                for sample in 0...configuration.negative {
                    let word: Int32
                    let label: Float
                    if sample == 0 {
                        word = target
                        label = 1
                    } else {
                        word = tables.negative(&generator)
                        if word == target { continue }
                        label = 0
                    }
                    let row = weights.outputRow(word)
                    let score = VectorOps.dot(h.baseAddress!, row, count: size)
                    let gradient = (label - 1 / (1 + exp(-score))) * alpha
                    VectorOps.axpy(gradient, row, e.baseAddress!, count: size)
                    if learnOutput { VectorOps.axpy(gradient, h.baseAddress!, row, count: size) }
                }
            }
        }
    }
}
