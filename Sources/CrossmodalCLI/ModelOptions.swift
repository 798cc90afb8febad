import ArgumentParser
import Encoders
import Pipeline

/// Where pretrained weights and cached features live: the options of every command that embeds.
struct ModelOptions: ParsableArguments {
    @OptionGroup var weights: WeightsOptions

    @Option(help: "The embedding cache folder (default: ~/.cache/crossmodal/embeddings).")
    var cacheDir: String?

    /// The pretrained weights.
    func store() throws -> ModelStore { try weights.store() }

    /// The embedding cache.
    var cache: EmbeddingCache { EmbeddingCache(path: cacheDir) }
}
