import Datasets
import Encoders
import Foundation
import Training

/// Everything a training run needs: the data, the configuration, where it goes and how it is fed.
public struct TrainingRequest {
    /// The dataset.
    public var dataset: Dataset
    /// The preset the configuration started from (recorded in `config.json`).
    public var preset: TrainingPreset
    /// The resolved configuration.
    public var configuration: TrainingConfiguration
    /// The run folder.
    public var run: RunFolder
    /// The training split.
    public var trainSplit = "train"
    /// The split that chooses the best epoch.
    public var validationSplit = "dev"
    /// The image encoder.
    public var imageEncoder: ImageEncoderName = .efficientnetLite0
    /// The sentence encoder of an MLP text tower.
    public var textEncoder: TextEncoderName = .minilm
    /// A Doc2Vec model folder to use instead of training one into the run folder.
    public var doc2vec: String?
    /// A neighbour file of the training captions to use instead of computing one.
    public var neighbors: String?
    /// The settings of the Doc2Vec model `train` trains itself (default: the preset's).
    public var doc2vecPreset: Doc2VecPreset
    /// How the training captions' neighbours are found (default: the preset's).
    public var neighborSource: NeighborSource
    /// Its min_count, instead of the preset's.
    public var doc2vecMinCount: Int?
    /// Keep only each text's first N sentences for Doc2Vec (2 suits news articles).
    public var firstSentences: Int?
    /// The JSON Lines fields the dataset's texts were made of (recorded in `config.json`).
    public var textFields: [String]?
    /// Train separate image→text and text→image models.
    public var separateDirections: Bool
    /// Continue from the run folder's last checkpoints.
    public var resume = false
    /// Stop after this many epochs in this call (the run can be resumed).
    public var stopAfter: Int?
    /// Pretrained weights.
    public var store: ModelStore
    /// The embedding cache, or nil to recompute.
    public var cache: EmbeddingCache?
    /// Stop at the first unreadable image instead of skipping it.
    public var strict = false

    /// A request with the usual splits and encoders.
    public init(
        dataset: Dataset, preset: TrainingPreset, configuration: TrainingConfiguration, run: RunFolder,
        separateDirections: Bool, store: ModelStore, cache: EmbeddingCache?
    ) {
        self.dataset = dataset
        self.preset = preset
        self.configuration = configuration
        self.run = run
        self.separateDirections = separateDirections
        self.store = store
        self.cache = cache
        doc2vecPreset = preset.doc2vecPreset
        neighborSource = preset.neighborSource
    }

    /// Whether the text tower is the first work's GRU over Doc2Vec token ids.
    public var usesGRU: Bool { configuration.textRecurrentHidden != nil }
}
