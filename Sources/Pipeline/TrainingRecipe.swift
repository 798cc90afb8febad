import TextModels
import Training

/// Everything that decides what a training run learns, in one value: a preset makes it whole
/// (``TrainingPreset/recipe``), the command line changes the parts its options name (one table in
/// `TrainCommand`), and the run folder's `config.json` records it (``RunDescription``).
///
/// Where one setting implies another the change goes through a method here (``use(loss:margin:temperature:)``,
/// ``use(textTower:)``, ``useFinetuning(blocks:learningRate:flip:)``), so every caller changes them alike.
public struct TrainingRecipe: Equatable, Sendable {
    /// The preset the recipe started from.
    public var preset: TrainingPreset
    /// The towers, the loss and its negatives, the optimiser, the schedule and the stopping rule.
    public var training: TrainingConfiguration
    /// The split trained on.
    public var trainSplit = "train"
    /// The split that chooses the best epoch.
    public var validationSplit = "dev"
    /// The image encoder whose features the image tower reads.
    public var imageEncoder: ImageEncoderName = .efficientnetLite0
    /// The sentence encoder of an MLP text tower.
    public var textEncoder: TextEncoderName = .minilm
    /// The settings of the Doc2Vec model `train` trains itself.
    public var doc2vecPreset: Doc2VecPreset
    /// Its min_count, instead of the Doc2Vec preset's.
    public var doc2vecMinCount: Int?
    /// Keep only each text's first N sentences for that Doc2Vec model (2 suits news articles).
    public var firstSentences: Int?
    /// How the training captions' neighbours are found.
    public var neighborSource: NeighborSource
    /// Separate image→text and text→image models (the second work's setup) rather than one joint model.
    public var separateDirections: Bool
    /// The JSON Lines fields each text is made of (nil: `text`).
    public var textFields: [String]?

    /// The preset's recipe, whole.
    public init(preset: TrainingPreset) {
        self.preset = preset
        training = preset.configuration
        doc2vecPreset = preset.doc2vecPreset
        neighborSource = preset.neighborSource
        separateDirections = preset.separateDirections
    }

    /// Whether the text tower is the first work's GRU over Doc2Vec token ids.
    public var usesGRU: Bool { training.textRecurrentHidden != nil }

    /// The settings of the Doc2Vec model `train` trains itself: the Doc2Vec preset's, with the run's seed, the
    /// recipe's min_count and sentence cut, and word vectors trained when a GRU starts from them.
    public var doc2vecConfiguration: Doc2VecConfiguration {
        var configuration = doc2vecPreset.configuration
        configuration.seed = training.seed
        if let doc2vecMinCount { configuration.minCount = doc2vecMinCount }
        if let firstSentences { configuration.preprocessing.firstSentences = firstSentences }
        if usesGRU, !configuration.trainsWordVectors { configuration.dbowWords = true }
        return configuration
    }

    /// Another loss. A preset's sampled negatives belong to its loss, so a loss they cannot drive takes
    /// in-batch negatives; the first work's validation loss is its angular loss, so another loss takes ours
    /// (an explicit `negatives` or `validationLoss` set after this wins).
    public mutating func use(loss name: LossName, margin: Float?, temperature: Float?) {
        training.loss = name.loss(margin: margin, temperature: temperature)
        if !training.negativeSampling.fits(training.loss) { training.negatives = .inBatch }
        if training.validationLoss == .firstWork, !(training.loss.function is AngularNPairLoss) { training.validationLoss = .proxy }
    }

    /// A GRU text tower (512 hidden units unless the recipe has one), or an MLP one (the image tower's
    /// shape when the recipe's text tower has no hidden layers).
    public mutating func use(textTower: TextTowerKind) {
        switch textTower {
        case .gru: if training.textRecurrentHidden == nil { training.textRecurrentHidden = 512 }
        case .mlp:
            training.textRecurrentHidden = nil
            if training.textTower.hidden.isEmpty {
                training.textTower = training.imageTower.hidden.isEmpty ? TowerSpecification() : training.imageTower
            }
        }
    }

    /// Fine-tuning of the image network's last `blocks` blocks (0: frozen features); the rate and the flips
    /// go with a block count of at least 1.
    public mutating func useFinetuning(blocks: Int?, learningRate: Float?, flip: Bool?) throws(TrainingError) {
        guard let blocks else {
            if learningRate != nil || flip != nil { throw TrainingError("--finetune-learning-rate and --flip go with --finetune-blocks N (N ≥ 1)") }
            return
        }
        guard blocks >= 0 else { throw TrainingError("--finetune-blocks takes 0 (frozen) or more, got \(blocks)") }
        training.imageFinetuning = blocks == 0 ? nil : ImageFinetuning(blocks: blocks, learningRate: learningRate ?? 1e-5, flip: flip ?? true)
    }
}

extension TrainingPreset {
    /// The preset's whole recipe.
    public var recipe: TrainingRecipe { TrainingRecipe(preset: self) }
}
