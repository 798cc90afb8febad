import Foundation

/// Where each term of the objective takes its negatives from.
public enum NegativeSampling: String, Codable, Sendable, CaseIterable {
    /// The batch's other positives (of other images), each counted once: our default.
    case inBatch = "in-batch"
    /// The first work's code: the text terms (image→text, L_text) take B texts drawn at random from the
    /// whole training set, one draw shared by the batch; the image terms (text→image, L_img) take the
    /// batch's B anchor images, the positive left among them; every negative counts B times, so the
    /// angular loss is log(1 + B·Σⱼ exp fᵢⱼ). Angular N-pair loss only.
    case randomTexts = "random-texts"
    /// The second work's code: one negative per anchor, drawn at random from the whole training set
    /// (a text for image→text, an image for text→image). Squared-L2 triplet losses only.
    case oneRandom = "one-random"

    /// Whether this sampling can drive `loss`: in-batch negatives any loss, random texts the angular
    /// loss, one random negative the squared-L2 triplet losses.
    public func fits(_ loss: PairLoss) -> Bool {
        switch (self, loss) {
        case (.inBatch, _), (.randomTexts, .angularNPair), (.oneRandom, .tripletSquaredL2), (.oneRandom, .hardestTripletSquaredL2): true
        default: false
        }
    }
}

/// What the validation loss (the plateau schedule's and the model choice's signal under `--stop-on loss`) measures.
public enum ValidationLoss: String, Codable, Sendable, CaseIterable {
    /// Ours: the training objective's cross-modal terms with in-batch negatives, over the validation captions in batches.
    case proxy
    /// The first work's code (train_cross_modal_retrieval_model.py lines 300–327): image→text only; for each batch of B
    /// validation pairs in order, B texts drawn at random without replacement from all validation texts, one draw per
    /// batch from a generator seeded afresh at every validation (their `random.seed(9485629)`), each counted once:
    /// the angular loss log(1 + Σⱼ exp fᵢⱼ) averaged over the batch, then over the batches. Angular N-pair loss only.
    case firstWork = "first-work"
}

/// Which training pairs one epoch visits.
public enum EpochPairs: String, Codable, Sendable, CaseIterable {
    /// Every caption once, with its image: our default.
    case everyCaption = "every-caption"
    /// Every image once, with one of its captions drawn at random: the second work's loop.
    case oneCaptionPerImage = "one-caption-per-image"
}

/// Which epoch's weights a run keeps as its model.
public enum CheckpointChoice: String, Codable, Sendable, CaseIterable {
    /// The best epoch by the stopping metric: our default.
    case best
    /// The last epoch, as the second work's code does (early stopping is then off).
    case last
}

/// The learning rate times `factor` every `epochs` epochs (PyTorch's StepLR).
public struct StepDecay: Codable, Equatable, Sendable {
    /// Epochs between two steps.
    public var epochs: Int
    /// The factor of each step.
    public var factor: Float

    /// Creates a schedule.
    public init(epochs: Int, factor: Float) {
        self.epochs = epochs
        self.factor = factor
    }

    /// The learning rate of `epoch` (from 1) for a starting rate `base`: `base · factor^⌊epoch / epochs⌋`.
    ///
    /// The second work steps PyTorch's `StepLR` *before* each epoch's training (src/train.py line 22, at
    /// cesc47/cross-modal-retrieval-with-triplet-network d3ccab1), so epoch e trains after e steps: with steps of 8
    /// epochs, epochs 1–7 run at `base`, epochs 8–15 at `base · factor`, and so on.
    public func rate(base: Float, epoch: Int) -> Float {
        base * powf(factor, Float(max(0, epoch) / max(epochs, 1)))
    }
}

/// How a GRU text tower reads a text: how many tokens, and whether START and END tokens frame it.
public struct TokenSettings: Codable, Equatable, Sendable {
    /// The most tokens kept (nil: all of them, as the first work's code).
    public var maxTokens: Int?
    /// Whether a START token precedes the words and an END token follows them (the first work's code).
    public var startEnd: Bool

    /// Creates settings.
    public init(maxTokens: Int?, startEnd: Bool) {
        self.maxTokens = maxTokens
        self.startEnd = startEnd
    }

    /// Ours: at most 32 tokens, no START/END.
    public static let standard = TokenSettings(maxTokens: 32, startEnd: false)
    /// The first work's: every token, framed by START and END.
    public static let firstWork = TokenSettings(maxTokens: nil, startEnd: true)
}
