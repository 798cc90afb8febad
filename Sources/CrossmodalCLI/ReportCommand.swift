import ArgumentParser
import Datasets
import Encoders
import Evaluation
import Foundation
import Numerics
import Training

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
    @Option(help: "The folder of pretrained weights.") var models: String?
    @Option(help: "The embedding cache folder (default: ~/.cache/crossmodal/embeddings).") var cacheDir: String?

    func validate() throws {
        guard examples >= 0 else { throw ValidationError("--examples must be 0 or more") }
        guard top >= 1, top <= 50 else { throw ValidationError("--top must be between 1 and 50") }
        guard thumbnailSize >= 16, thumbnailSize <= 1024 else { throw ValidationError("--thumbnail-size must be between 16 and 1024") }
    }

    func run() throws {
        let trained = try TrainedRun.open(runFolder)
        let source = dataset ?? trained.description.dataset
        let data = try Dataset.load(from: URL(fileURLWithPath: source), options: DatasetLoadOptions(strict: strict))
        let embedded = try EmbeddedSplit.compute(run: trained, dataset: data, split: split, models: models, cacheDir: cacheDir, strict: strict)
        let summary = EvaluationSummary(
            run: runFolder, split: split, retrieval: try embedded.report(k: 10, folds: 1, memoryBudget: RelevanceRanking.defaultMemoryBudget),
            neighborhoodPreservation: try embedded.preservation(k: 10), spread: embedded.spread)
        var generator = SeededGenerator(seed: seed)
        let features = embedded.features
        let textQueries = Array(generator.permutation(features.captions.count).prefix(examples)).sorted()
        let imageQueries = Array(generator.permutation(features.images.count).prefix(examples)).sorted()
        let textResults = try Self.topRows(
            queries: embedded.textToImage.1.gatherRows(textQueries), gallery: embedded.textToImage.0, k: top)
        let imageResults = try Self.topRows(
            queries: embedded.imageToText.0.gatherRows(imageQueries), gallery: embedded.imageToText.1, k: top)
        let ranks = try RelevanceRanking.ranks(
            queries: embedded.textToImage.1.gatherRows(textQueries), gallery: embedded.textToImage.0,
            relevant: textQueries.map { [features.captionImage[$0]] })
        var captionsOf = [[Int]](repeating: [], count: features.images.count)
        for (caption, image) in features.captionImage.enumerated() { captionsOf[image].append(caption) }
        let imageRanks = try RelevanceRanking.ranks(
            queries: embedded.imageToText.0.gatherRows(imageQueries), gallery: embedded.imageToText.1,
            relevant: imageQueries.map { captionsOf[$0] })

        var thumbnails = ThumbnailCache(maxSide: thumbnailSize)
        var page = ReportPage(title: "crossmodal report: \(URL(fileURLWithPath: runFolder).lastPathComponent) on \(split)")
        page.addRunSection(trained.description, source: source)
        page.addMetrics(summary)
        page.addCurves(Self.curves(of: trained))
        page.addTextQueries(textQueries.enumerated().map { index, caption in
            ReportPage.TextQuery(
                caption: features.captions[caption].text,
                firstCorrectRank: ranks[index][0] + 1,
                results: textResults[index].map { hit in
                    ReportPage.ImageHit(
                        id: features.images[hit.index].id, thumbnail: thumbnails.dataURI(features.images[hit.index].file),
                        score: hit.value, correct: hit.index == features.captionImage[caption])
                })
        })
        page.addImageQueries(imageQueries.enumerated().map { index, image in
            ReportPage.ImageQuery(
                id: features.images[image].id, thumbnail: thumbnails.dataURI(features.images[image].file),
                firstCorrectRank: imageRanks[index].first.map { $0 + 1 },
                results: imageResults[index].map { hit in
                    ReportPage.CaptionHit(text: features.captions[hit.index].text, score: hit.value, correct: features.captionImage[hit.index] == image)
                })
        })
        let html = page.render()
        let file = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(html.utf8).write(to: file, options: .atomic)
        for line in EvaluateCommand.describe(summary) { print(line) }
        print("report: \(file.standardizedFileURL.path) (\(grouped(html.utf8.count / 1024)) KiB; open it in a browser)")
    }

    /// The `k` best gallery rows of each query row, best first.
    static func topRows(queries: Matrix, gallery: Matrix, k: Int) throws -> [[ScoredIndex]] {
        try Matrix.product(queries, gallery, transposeB: .transposed).topKPerRow(k: min(k, gallery.rows))
    }

    /// Loss and rsum charts from each trained model's metrics.jsonl.
    static func curves(of run: TrainedRun) -> [SVGLineChart] {
        let parts: [(String, URL)] = run.separateDirections
            ? [("image→text model", run.folder.appendingPathComponent("image-to-text")), ("text→image model", run.folder.appendingPathComponent("text-to-image"))]
            : [("", run.folder)]
        var charts: [SVGLineChart] = []
        for (name, folder) in parts {
            let text = (try? String(contentsOf: folder.appendingPathComponent("metrics.jsonl"), encoding: .utf8)) ?? ""
            let records = text.split(separator: "\n").compactMap { try? JSONDecoder().decode(EpochRecord.self, from: Data($0.utf8)) }
            let prefix = name.isEmpty ? "" : name + ": "
            let epochs = records.map { Double($0.epoch) }
            charts.append(SVGLineChart(
                title: prefix + "loss", xLabel: "epoch", yLabel: "loss",
                series: [
                    .init(name: "training", color: "#1f77b4", points: Array(zip(epochs, records.map(\.trainLoss))).map { ($0, $1) }),
                    .init(name: "validation", color: "#ff7f0e", points: Array(zip(epochs, records.map(\.validationLoss))).map { ($0, $1) }),
                ]))
            let best = records.last(where: \.best)
            charts.append(SVGLineChart(
                title: prefix + "validation retrieval", xLabel: "epoch", yLabel: "rsum / R@1 (%)",
                series: [
                    .init(name: "rsum", color: "#2ca02c", points: Array(zip(epochs, records.map(\.rsum))).map { ($0, $1) }),
                    .init(name: "i2t R@1 × 3", color: "#9467bd", points: Array(zip(epochs, records.map { 3 * $0.validation.imageToText[0] })).map { ($0, $1) }),
                    .init(name: "t2i R@1 × 3", color: "#8c564b", points: Array(zip(epochs, records.map { 3 * $0.validation.textToImage[0] })).map { ($0, $1) }),
                ],
                marker: best.map { (Double($0.epoch), $0.rsum, String(format: "best %.1f", $0.rsum)) }))
        }
        return charts
    }
}

/// JPEG thumbnails as data URIs, made once per file.
struct ThumbnailCache {
    let maxSide: Int
    private var made: [URL: String] = [:]

    init(maxSide: Int) { self.maxSide = maxSide }

    /// A `data:image/jpeg;base64,…` URI of the file's thumbnail, or an empty string if it cannot be read.
    mutating func dataURI(_ file: URL) -> String {
        if let done = made[file] { return done }
        var uri = ""
        do {
            let jpeg = try RGBImage.load(file).thumbnail(maxSide: maxSide).jpegData(quality: 80)
            uri = "data:image/jpeg;base64," + jpeg.base64EncodedString()
        } catch {
            warn("report: no thumbnail for \(file.path): \(error)")
        }
        made[file] = uri
        return uri
    }
}
