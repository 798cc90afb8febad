import ArgumentParser
import Datasets
import Foundation

/// The options every command that reads a dataset shares.
struct DatasetOptions: ParsableArguments {
    @Argument(help: "A dataset folder (Flickr layout, Karpathy dataset_*.json or a .jsonl of pairs), or the file itself.")
    var dataset: String

    @Flag(help: "Treat any bad record (missing image, empty caption, duplicate id, unknown image in a split) as an error instead of skipping it.")
    var strict = false

    @Option(help: "JSON Lines: the fields that make a record's text, joined in order (e.g. text,tags for news; default: text, or what the run was trained with).")
    var textFields: String?

    /// The fields of `--text-fields`, if given.
    var fields: [String]? {
        textFields.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
    }

    /// Loads the dataset with these options; `defaultFields` when `--text-fields` is not given.
    func load(defaultFields: [String] = ["text"]) throws -> Dataset {
        try Dataset.load(
            from: URL(fileURLWithPath: dataset), options: DatasetLoadOptions(strict: strict, textFields: fields ?? defaultFields))
    }
}
