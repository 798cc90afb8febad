import Datasets
import Encoders
import Foundation
import Training

/// A training run to make: the recipe, the data it reads, where it goes, and how this invocation runs.
public struct TrainingRequest {
    /// What the run learns (recorded in `config.json`).
    public var recipe: TrainingRecipe
    /// The dataset.
    public var dataset: Dataset
    /// The run folder.
    public var run: RunFolder
    /// A Doc2Vec model folder to use instead of training one into the run folder.
    public var doc2vec: String?
    /// A neighbour file of the training captions to use instead of computing one.
    public var neighbors: String?
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

    /// A request to train `recipe` on `dataset` into `run`.
    public init(recipe: TrainingRecipe, dataset: Dataset, run: RunFolder, store: ModelStore, cache: EmbeddingCache?) {
        self.recipe = recipe
        self.dataset = dataset
        self.run = run
        self.store = store
        self.cache = cache
    }
}
