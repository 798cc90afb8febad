import ArgumentParser
import Pipeline

/// A trained run, a dataset and one of its splits: what `evaluate`, `export` and `index build` read.
struct RunSplitOptions: ParsableArguments {
    @Argument(help: "A run folder written by `crossmodal train`.")
    var runFolder: String

    @OptionGroup var dataset: DatasetOptions

    @Option(help: "The split to use.")
    var split = "dev"

    @OptionGroup var model: ModelOptions

    /// Opens the run, then extracts (through the cache) and embeds the split with it.
    func embed() throws -> EmbeddedSplit {
        let run = try TrainedRun.open(runFolder, observer: .console)
        return try EmbeddedSplit.compute(
            run: run, dataset: try dataset.load(defaultFields: run.description.textFields ?? ["text"]), split: split, store: try model.store(), cache: model.cache,
            strict: dataset.strict, observer: .console)
    }
}
