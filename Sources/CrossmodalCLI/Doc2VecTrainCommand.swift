import ArgumentParser
import Foundation
import Pipeline
import TextModels

/// `crossmodal doc2vec train`: a Doc2Vec model over one split's captions, one document per caption.
struct Doc2VecTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train Doc2Vec (PV-DM or PV-DBOW) on a split's captions.",
        discussion: """
            Writes DIR/model.safetensors, DIR/vocab.txt and DIR/document_vectors.npy (+ .ids.txt, caption ids).
            Options left out take the preset's value; with --workers 1 the same --seed gives identical vectors.
            """
    )

    @OptionGroup var datasetOptions: DatasetOptions

    @Option(help: "The split whose captions are the documents.")
    var split = "train"

    @Option(help: "The model folder to write.")
    var out: String

    @Option(help: "Starting settings: \(Doc2VecPreset.allCases.map(\.rawValue).joined(separator: ", ")).")
    var preset: Doc2VecPreset = .captions

    @Option(help: "pv-dm or pv-dbow (default: the preset's).")
    var mode: Doc2VecConfiguration.Mode?
    @Option(help: "Vector width.") var vectorSize: Int?
    @Option(help: "Context window.") var window: Int?
    @Option(help: "Drop words seen fewer times.") var minCount: Int?
    @Option(help: "Passes over the corpus.") var epochs: Int?
    @Option(help: "Negative samples per word.") var negative: Int?
    @Option(help: "Frequent-word down-sampling threshold (0 = off).") var sample: Double?
    @Option(help: "Initial learning rate.") var alpha: Float?
    @Option(help: "Final learning rate.") var minAlpha: Float?
    @Flag(help: "With pv-dbow, also train skip-gram word vectors.") var dbowWords = false
    @Option(help: "Worker threads (1 = reproducible).") var workers: Int?
    @Option(help: "Random seed.") var seed: UInt64 = 1
    @Option(help: "Keep only the first N sentences of each text (2 suits news articles).") var firstSentences: Int?
    @Flag(help: "Keep English stop words.") var keepStopWords = false
    @Option(help: "Drop tokens shorter than this.") var minTokenLength: Int?

    func configuration() throws -> Doc2VecConfiguration {
        var c = preset.configuration
        if let mode { c.mode = mode }
        if let vectorSize { c.vectorSize = vectorSize }
        if let window { c.window = window }
        if let minCount { c.minCount = minCount }
        if let epochs { c.epochs = epochs }
        if let negative { c.negative = negative }
        if let sample { c.sample = sample }
        if let alpha { c.alpha = alpha }
        if let minAlpha { c.minAlpha = minAlpha }
        if dbowWords { c.dbowWords = true }
        c.workers = workers ?? 1
        c.seed = seed
        c.preprocessing.firstSentences = firstSentences
        if keepStopWords { c.preprocessing.removeStopWords = false }
        if let minTokenLength { c.preprocessing.minimumTokenLength = minTokenLength }
        try c.validate()
        return c
    }

    func run() throws {
        let configuration = try configuration()
        let captions = try datasetOptions.load().captions(in: split)
        let started = Date()
        let observer = PipelineObserver.console
        let model = try observer.step("words", total: 0) { _ in
            try Doc2VecModel.train(
                texts: captions.map(\.text), ids: captions.map(\.id), configuration: configuration,
                progress: { done, total in observer.progress(done, total) })
        }
        let folder = URL(fileURLWithPath: out)
        try model.save(to: folder)
        let elapsed = Date().timeIntervalSince(started)
        let words = model.wordCounts.reduce(0, +) * configuration.epochs
        print("trained \(configuration.mode.rawValue) on \(grouped(captions.count)) captions: vocabulary \(grouped(model.vocabulary.count)) words, "
            + "\(configuration.vectorSize)-d, \(configuration.epochs) epochs in \(formatDuration(elapsed)) "
            + String(format: "(%.0f words/s)", Double(words) / max(elapsed, 1e-9)) + "; model in \(out)")
    }
}
