import ArgumentParser
import Evaluation
import Foundation
import Pipeline
import TextModels

/// `crossmodal evaluate`: exact retrieval metrics of a trained run on a split.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Exact retrieval metrics of a trained run on a split (R@K, ranks, mAP@k, mAP@R, neighbourhood preservation).",
        discussion: """
            Image→text: an image is a hit when any of its captions ranks high enough. Text→image: a caption's one
            correct image. Ties are broken in gallery order, as a stable sort does. "mAP@k" is the second work's
            metric, which equals the mean reciprocal rank of the first correct item cut at k; mAP@R is the mean
            average precision over each query's R correct items. Scores are computed block by block, so memory
            stays bounded (--memory-budget) whatever the number of images and captions.
            """
    )

    @OptionGroup var source: RunSplitOptions

    @Option(help: "Cut-off of mAP@k (the reciprocal rank of the first correct item, 0 beyond k).") var k = 10
    @Option(help: "Split the images into this many parts and average (5 on COCO's 5,000 test images is the 1K protocol).")
    var folds = 1
    @Option(help: "Neighbours compared per item for neighbourhood preservation.") var preservationK = 10
    @Flag(help: "Skip neighbourhood preservation (it needs Doc2Vec inference for captions outside training).")
    var noPreservation = false
    @Option(help: "MiB of scores held at once.") var memoryBudget = 64
    @Flag(help: "Print the metrics as JSON.") var json = false
    @Option(help: "Measure neighbourhood preservation against this Doc2Vec model instead of the run's own (to compare runs).")
    var preservationDoc2vec: String?

    func validate() throws {
        guard k >= 1 else { throw ValidationError("--k must be at least 1") }
        guard folds >= 1 else { throw ValidationError("--folds must be at least 1") }
        guard preservationK >= 1 else { throw ValidationError("--preservation-k must be at least 1") }
        guard memoryBudget >= 1 else { throw ValidationError("--memory-budget must be at least 1 (MiB)") }
    }

    func run() throws {
        let summary = try EvaluationSummary.evaluate(
            source.embed(), run: source.runFolder, k: k, folds: folds, preservationK: noPreservation ? nil : preservationK,
            memoryBudget: memoryBudget << 20, reference: try preservationDoc2vec.map { try Doc2VecModel.load(from: URL(fileURLWithPath: $0)) },
            observer: .console)
        if json {
            print(String(decoding: try prettyJSON(summary), as: UTF8.self))
        } else {
            for line in Self.describe(summary) { print(line) }
        }
    }

    /// The summary as aligned text lines.
    static func describe(_ summary: EvaluationSummary) -> [String] {
        let r = summary.retrieval
        let folds = r.folds > 1 ? ", mean of \(r.folds) folds" : ""
        var lines = ["\(summary.run) on \(summary.split): \(grouped(r.images)) images, \(grouped(r.captions)) captions\(folds)"]
        let k = r.imageToText.k
        var rows = [["direction", "R@1", "R@5", "R@10", "median rank", "mean rank", "mAP@\(k)", "mAP@R"]]
        for (name, m) in [("image→text", r.imageToText), ("text→image", r.textToImage)] {
            rows.append([
                name, String(format: "%.1f", m.recallAt1), String(format: "%.1f", m.recallAt5), String(format: "%.1f", m.recallAt10),
                formatDecimal(m.medianRank), String(format: "%.1f", m.meanRank), String(format: "%.4f", m.mapAtK),
                String(format: "%.4f", m.mapAtR),
            ])
        }
        lines += TextTable.render(rows, rightAligned: Set(1...7))
        lines.append(String(format: "rsum %.1f", r.rsum))
        if let p = summary.neighborhoodPreservation {
            lines.append(String(format: "neighbourhood preservation@%d (overlap with Doc2Vec neighbours; chance %.4f captions, %.4f images):", p.k, p.textChance, p.imageChance))
            lines.append(String(format: "  captions %.4f (input features %@), images %.4f (input features %.4f)", p.text,
                                p.textInputFeatures.map { String(format: "%.4f", $0) } ?? "n/a", p.image, p.imageInputFeatures))
        }
        if let spread = summary.spread {
            lines.append("spread (mean distance to the centroid / mean norm, images/texts): \(spread.relativeText)"
                + (spread.isCollapsed ? ": collapsed to one point" : ""))
        }
        return lines
    }
}
