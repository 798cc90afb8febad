import ArgumentParser
import Datasets
import Foundation
import Pipeline

/// `crossmodal dataset merge`: several datasets as one JSON Lines file, to train on them together.
struct DatasetMergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Write several datasets as one JSON Lines file of pairs (each keeps its splits), to train on them together.",
        discussion: """
            Every caption of every image with a split becomes a line {"image", "text", "split", "id"}; image paths are \
            relative to the output's folder and ids start with the source's folder name (flickr8k/…, newsimages/…). \
            Example: crossmodal dataset merge ../shared/flickr8k ../shared/newsimages --out work/photos-data/pairs.jsonl
            """
    )

    @Argument(help: "Two or more datasets (folders or files, as `train` reads them).") var datasets: [String]
    @Option(help: "The .jsonl file to write (its folder is created).") var out: String
    @Flag(help: "Treat any bad record as an error instead of skipping it.") var strict = false
    @Option(help: "JSON Lines sources: the fields that make a record's text, joined in order.") var textFields: String?

    func validate() throws {
        guard datasets.count >= 2 else { throw ValidationError("give two or more datasets to merge") }
        guard out.hasSuffix(".jsonl") else { throw ValidationError("--out must name a .jsonl file, not \(out)") }
    }

    func run() throws {
        let fields = textFields.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } } ?? ["text"]
        let options = DatasetLoadOptions(strict: strict, textFields: fields.isEmpty ? ["text"] : fields)
        var sources: [(name: String, dataset: Dataset)] = []
        for path in datasets {
            let url = URL(fileURLWithPath: path).standardizedFileURL
            let dataset = try Dataset.load(from: url, options: options)
            // A dataset file is named by its folder (newsimages/pairs.jsonl → newsimages).
            var isFolder: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder)
            sources.append((isFolder.boolValue ? url.lastPathComponent : url.deletingLastPathComponent().lastPathComponent, dataset))
        }
        let file = URL(fileURLWithPath: out).standardizedFileURL
        let (data, counts) = try Dataset.mergedJSONLines(sources, relativeTo: file.deletingLastPathComponent())
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: file, options: .atomic)
        var rows = [["source", "split", "captions"]]
        for (name, _) in sources {
            for (split, count) in (counts[name] ?? [:]).sorted(by: { $0.key < $1.key }) { rows.append([name, split, grouped(count)]) }
        }
        for line in TextTable.render(rows, rightAligned: [2]) { print(line) }
        print("wrote \(file.path); train on it with: crossmodal train \(out) …")
    }
}
