/// The settings of a Doc2Vec model; every field is saved with the model.
public struct Doc2VecConfiguration: Codable, Equatable, Sendable {
    /// The two paragraph-vector architectures of Le & Mikolov (2014).
    public enum Mode: String, Codable, Sendable, CaseIterable {
        /// Distributed memory: predict a word from the mean of its context words and the document vector.
        case pvdm = "pv-dm"
        /// Distributed bag of words: predict the document's words from its vector alone.
        case pvdbow = "pv-dbow"
    }

    /// The architecture.
    public var mode: Mode
    /// The width of word and document vectors.
    public var vectorSize: Int
    /// The largest distance between a word and a context word (reduced at random per word).
    public var window: Int
    /// Words seen fewer times than this in the corpus are dropped.
    public var minCount: Int
    /// Passes over the corpus.
    public var epochs: Int
    /// Negative samples per predicted word, drawn from the unigram distribution raised to 0.75.
    public var negative: Int
    /// Frequent-word down-sampling threshold (0 turns it off).
    public var sample: Double
    /// The initial learning rate; it decays linearly to `minAlpha`.
    public var alpha: Float
    /// The final learning rate.
    public var minAlpha: Float
    /// With PV-DBOW, also train skip-gram word vectors, interleaved.
    public var dbowWords: Bool
    /// Worker threads (Hogwild). With 1, the same seed gives identical vectors.
    public var workers: Int
    /// The seed of every random choice.
    public var seed: UInt64
    /// Text clean-up before tokenisation.
    public var preprocessing: TextPreprocessing

    /// Settings for short captions, chosen on the Flickr8k train split (see docs/results.md):
    /// PV-DBOW, 200-d, min_count 2, 100 epochs, alpha 0.05. On captions of about five content
    /// words, PV-DM's context words predict each word so well that its document vectors learn little.
    public init(
        mode: Mode = .pvdbow, vectorSize: Int = 200, window: Int = 5, minCount: Int = 2, epochs: Int = 100,
        negative: Int = 5, sample: Double = 1e-3, alpha: Float = 0.05, minAlpha: Float = 0.0001,
        dbowWords: Bool = false, workers: Int = 1, seed: UInt64 = 1, preprocessing: TextPreprocessing = .init()
    ) {
        self.mode = mode
        self.vectorSize = vectorSize
        self.window = window
        self.minCount = minCount
        self.epochs = epochs
        self.negative = negative
        self.sample = sample
        self.alpha = alpha
        self.minAlpha = minAlpha
        self.dbowWords = dbowWords
        self.workers = workers
        self.seed = seed
        self.preprocessing = preprocessing
    }

    /// The first work's settings, meant for article-length texts: PV-DM, 200-d, window 20, min_count 20 and 50 epochs
    /// (train_doc2vec.py line 51; the comment above it says the paper reports 20 and that smaller datasets use 50).
    public static let reference = Doc2VecConfiguration(mode: .pvdm, window: 20, minCount: 20, epochs: 50, alpha: 0.025)

    /// Whether training moves the word vectors: PV-DM always does, PV-DBOW only with skip-gram word
    /// training (`dbowWords`); otherwise they keep their random start and mean nothing (a GRU must not
    /// start from them).
    public var trainsWordVectors: Bool { mode == .pvdm || dbowWords }

    /// Checks ranges, naming the first bad setting.
    public func validate() throws(TextModelError) {
        if vectorSize < 1 { throw TextModelError("vector size must be at least 1, got \(vectorSize)") }
        if window < 1 { throw TextModelError("window must be at least 1, got \(window)") }
        if minCount < 1 { throw TextModelError("min_count must be at least 1, got \(minCount)") }
        if epochs < 1 { throw TextModelError("epochs must be at least 1, got \(epochs)") }
        if negative < 1 { throw TextModelError("negative must be at least 1, got \(negative)") }
        if sample < 0 { throw TextModelError("sample must not be negative, got \(sample)") }
        if !(alpha > 0) || minAlpha < 0 || minAlpha > alpha {
            throw TextModelError("need alpha > 0 and 0 ≤ min_alpha ≤ alpha, got \(alpha) and \(minAlpha)")
        }
        if workers < 1 { throw TextModelError("workers must be at least 1, got \(workers)") }
        // Upper bounds: a configuration may come from a saved model, and these size loops and allocations.
        guard vectorSize <= 65_536, window <= 10_000, negative <= 1_000, epochs <= 100_000, workers <= 1_024, sample.isFinite, alpha.isFinite else {
            throw TextModelError(
                "out of range: vector size at most 65,536, window 10,000, negative 1,000, epochs 100,000, workers 1,024, finite sample and alpha")
        }
    }
}
