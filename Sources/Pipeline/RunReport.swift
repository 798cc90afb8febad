import Datasets
import Encoders
import Evaluation
import Foundation
import Numerics
import Training

/// One self-contained HTML page about a run on a split: its settings, the metrics, training curves and
/// example queries in both directions with thumbnails.
public enum RunReport {
    /// What the page shows beyond the metrics.
    public struct Options: Sendable {
        /// Example queries in each direction.
        public var examples = 10
        /// Results shown per example query.
        public var top = 5
        /// Longest side of a thumbnail in pixels.
        public var thumbnailSize = 160
        /// Seed of the choice of example queries.
        public var seed: UInt64 = 1

        /// The defaults.
        public init() {}
    }

    /// The page's HTML. Example queries are ranked in each direction's own space by the run's metric,
    /// as `evaluate` ranks.
    public static func html(
        run path: String, embedded: EmbeddedSplit, summary: EvaluationSummary, source: String, options: Options,
        observer: PipelineObserver = .silent
    ) throws -> String {
        let run = embedded.run
        let features = embedded.features
        var generator = SeededGenerator(seed: options.seed)
        let textQueries = Array(generator.permutation(features.captions.count).prefix(options.examples)).sorted()
        let imageQueries = Array(generator.permutation(features.images.count).prefix(options.examples)).sorted()
        let textResults = try embedded.textToImage.nearestImages(toTexts: textQueries, k: options.top)
        let imageResults = try embedded.imageToText.nearestTexts(toImages: imageQueries, k: options.top)
        let textRanks = try embedded.textToImage.imageRanks(
            forTexts: textQueries, relevant: textQueries.map { [features.captionImage[$0]] })
        let captionsOf = features.captionsOfImages
        let imageRanks = try embedded.imageToText.textRanks(forImages: imageQueries, relevant: imageQueries.map { captionsOf[$0] })

        var thumbnails = ThumbnailCache(maxSide: options.thumbnailSize, observer: observer)
        var page = ReportPage(title: "crossmodal report: \(URL(fileURLWithPath: path).lastPathComponent) on \(embedded.split)")
        page.addRunSection(run.description, source: source)
        page.addMetrics(summary)
        page.addCurves(curves(of: run))
        if let calibration = try RunCalibration.read(from: run.folder) {
            let checked = try RunCalibration.check(calibration, on: embedded)
            page.addCalibration(calibration, split: embedded.split, bins: checked.bins, error: checked.expectedCalibrationError, answered: checked.answered)
        }
        page.addTextQueries(textQueries.enumerated().map { index, caption in
            ReportPage.TextQuery(
                caption: features.captions[caption].text,
                firstCorrectRank: textRanks[index][0] + 1,
                results: textResults[index].map { hit in
                    ReportPage.ImageHit(
                        id: features.images[hit.index].id, thumbnail: thumbnails.dataURI(features.images[hit.index]),
                        score: hit.value, correct: hit.index == features.captionImage[caption])
                })
        })
        page.addImageQueries(imageQueries.enumerated().map { index, image in
            ReportPage.ImageQuery(
                id: features.images[image].id, thumbnail: thumbnails.dataURI(features.images[image]),
                firstCorrectRank: imageRanks[index].first.map { $0 + 1 },
                results: imageResults[index].map { hit in
                    ReportPage.CaptionHit(text: features.captions[hit.index].text, score: hit.value, correct: features.captionImage[hit.index] == image)
                })
        })
        return page.render()
    }

    /// Loss and rsum charts from each trained model's metrics.jsonl.
    static func curves(of run: TrainedRun) -> [SVGLineChart] {
        var charts: [SVGLineChart] = []
        for (name, model) in run.models {
            let records = model.records()
            let prefix = name.isEmpty ? "" : name + ": "
            let epochs = records.map { Double($0.epoch) }
            func series(_ name: String, _ color: String, _ values: [Double]) -> SVGLineChart.Series {
                .init(name: name, color: color, points: zip(epochs, values).map { ($0, $1) })
            }
            charts.append(SVGLineChart(
                title: prefix + "loss", xLabel: "epoch", yLabel: "loss",
                series: [series("training", "#1f77b4", records.map(\.trainLoss)), series("validation", "#ff7f0e", records.map(\.validationLoss))]))
            let best = records.last(where: \.best)
            charts.append(SVGLineChart(
                title: prefix + "validation retrieval", xLabel: "epoch", yLabel: "rsum / R@1 (%)",
                series: [
                    series("rsum", "#2ca02c", records.map(\.rsum)),
                    series("i2t R@1 × 3", "#9467bd", records.map { 3 * $0.validation.imageToText[0] }),
                    series("t2i R@1 × 3", "#8c564b", records.map { 3 * $0.validation.textToImage[0] }),
                ],
                marker: best.map { (Double($0.epoch), $0.rsum, String(format: "best %.1f", $0.rsum)) }))
        }
        return charts
    }
}

/// JPEG thumbnails as data URIs, made once per file.
struct ThumbnailCache {
    let maxSide: Int
    let observer: PipelineObserver
    private var made: [String: String] = [:]

    init(maxSide: Int, observer: PipelineObserver) {
        self.maxSide = maxSide
        self.observer = observer
    }

    /// A `data:image/jpeg;base64,…` URI of the image's thumbnail, or an empty string (and a note) if it cannot be read.
    mutating func dataURI(_ image: DatasetImage) -> String {
        if let done = made[image.location] { return done }
        var uri = ""
        do {
            let jpeg = try image.decoded(limits: DecodeLimits(minimumSize: (maxSide, maxSide))).thumbnail(maxSide: maxSide).jpegData(quality: 80)
            uri = "data:image/jpeg;base64," + jpeg.base64EncodedString()
        } catch {
            observer.note("report: no thumbnail for \(image.location): \(error)")
        }
        made[image.location] = uri
        return uri
    }
}
