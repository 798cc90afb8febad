import ArgumentParser
import Encoders
import Pipeline

/// Where pretrained weights and cached features live: the options of every command that embeds.
struct ModelOptions: ParsableArguments {
    @Option(help: "The folder of pretrained weights (default: the checkout's .cache/models, or $CROSSMODAL_MODELS).")
    var models: String?

    @Option(help: "The embedding cache folder (default: ~/.cache/crossmodal/embeddings).")
    var cacheDir: String?

    /// The pretrained weights.
    func store() throws -> ModelStore { try ModelStore.locate(explicit: models) }

    /// The embedding cache.
    var cache: EmbeddingCache { EmbeddingCache(path: cacheDir) }
}
