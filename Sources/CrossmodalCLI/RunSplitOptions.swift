import ArgumentParser
import Datasets
import Pipeline

/// A trained run, a dataset and one of its splits: what `evaluate`, `export` and `index build` read.
struct RunSplitOptions: ParsableArguments {
    @Argument(help: "A run folder written by `crossmodal train`.")
    var runFolder: String

    @OptionGroup var dataset: DatasetOptions

    @Option(help: "The split to use.")
    var split = "dev"

    @OptionGroup var model: ModelOptions

    /// Opens the run, then extracts (through the cache) and embeds the split with it (only the images of `shard`).
    func embed(shard: ShardSelection = .whole) throws -> EmbeddedSplit {
        let run = try TrainedRun.open(runFolder, observer: .console)
        var data = try dataset.load(defaultFields: run.description.textFields ?? ["text"])
        if shard != .whole {
            let whole = try data.images(in: split)
            guard whole.contains(where: { shard.contains($0.id) }) else {
                throw ValidationError("shard \(shard) of split \(split) holds no images (\(whole.count) images in \(shard.count) parts)")
            }
            data = Dataset(
                source: data.source, format: data.format, images: data.images.filter { shard.contains($0.id) }, issues: data.issues,
                absentSplitReasons: data.absentSplitReasons)
        }
        return try EmbeddedSplit.compute(
            run: run, dataset: data, split: split, store: try model.store(), cache: model.cache, strict: dataset.strict, observer: .console)
    }
}
