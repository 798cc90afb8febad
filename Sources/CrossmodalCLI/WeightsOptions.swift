import ArgumentParser
import Encoders

/// Where the pretrained weights are: the option of every command that loads an encoder.
struct WeightsOptions: ParsableArguments {
    @Option(help: "The folder of pretrained weights (default: the checkout's .cache/models, or $CROSSMODAL_MODELS).")
    var models: String?

    /// The pretrained weights.
    func store() throws -> ModelStore { try ModelStore.locate(explicit: models) }
}
