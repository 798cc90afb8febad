import ArgumentParser
import Datasets
import Evaluation
import Foundation
import Pipeline

/// `crossmodal report`: one self-contained HTML page about a run.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write one self-contained HTML page: metrics, training curves and example queries with thumbnails.",
        discussion: """
            The page embeds everything (SVG curves, JPEG thumbnails as data URIs), so it can be mailed or archived
            on its own. Example queries are drawn with --seed; a green frame or a ✓ marks the correct items.
            """
    )

    @Argument(help: "A run folder written by `crossmodal train`.")
    var runFolder: String

    @Option(help: "The dataset (default: the one the run was trained on).") var dataset: String?
    @Option(help: "The split to show.") var split = "dev"
    @Option(help: "The HTML file to write.") var out: String
    @Option(help: "Example queries in each direction.") var examples = 10
    @Option(help: "Results shown per example query.") var top = 5
    @Option(help: "Longest side of a thumbnail in pixels.") var thumbnailSize = 160
    @Option(help: "Seed of the choice of example queries.") var seed: UInt64 = 1
    @Flag(help: "Treat any bad dataset record as an error.") var strict = false
    @OptionGroup var modelOptions: ModelOptions

    func validate() throws {
        guard examples >= 0 else { throw ValidationError("--examples must be 0 or more") }
        guard top >= 1, top <= 50 else { throw ValidationError("--top must be between 1 and 50") }
        guard thumbnailSize >= 16, thumbnailSize <= 1024 else { throw ValidationError("--thumbnail-size must be between 16 and 1024") }
    }

    func run() throws {
        let trained = try TrainedRun.open(runFolder, observer: .console)
        let source = dataset ?? trained.description.dataset
        let data = try Dataset.load(
            from: URL(fileURLWithPath: source), options: DatasetLoadOptions(strict: strict, textFields: trained.description.textFields ?? ["text"]))
        let embedded = try EmbeddedSplit.compute(
            run: trained, dataset: data, split: split, store: try modelOptions.store(), cache: modelOptions.cache, strict: strict,
            observer: .console)
        let summary = try EvaluationSummary.evaluate(embedded, run: runFolder, observer: .console)
        var options = RunReport.Options()
        (options.examples, options.top, options.thumbnailSize, options.seed) = (examples, top, thumbnailSize, seed)
        let html = try RunReport.html(run: runFolder, embedded: embedded, summary: summary, source: source, options: options, observer: .console)
        let file = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(html.utf8).write(to: file, options: .atomic)
        for line in EvaluateCommand.describe(summary) { print(line) }
        print("report: \(file.standardizedFileURL.path) (\(grouped(html.utf8.count / 1024)) KiB; open it in a browser)")
    }
}
