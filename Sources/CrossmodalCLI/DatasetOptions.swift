import ArgumentParser
import Datasets
import Foundation

/// The options every command that reads a dataset shares.
struct DatasetOptions: ParsableArguments {
    @Argument(help: "A dataset folder (Flickr layout, Karpathy dataset_*.json or a .jsonl of pairs), or the file itself.")
    var dataset: String

    @Flag(help: "Treat any bad record (missing image, empty caption, duplicate id, unknown image in a split) as an error instead of skipping it.")
    var strict = false

    /// Loads the dataset with these options.
    func load() throws -> Dataset {
        try Dataset.load(from: URL(fileURLWithPath: dataset), options: DatasetLoadOptions(strict: strict))
    }
}
