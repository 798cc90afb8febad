import ArgumentParser
import Datasets
import Foundation
import Pipeline

/// `crossmodal dataset inspect`: per split, images, captions, caption lengths and problems.
struct DatasetInspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Summarise a dataset: splits, captions, caption lengths, skipped records, absent splits."
    )

    @OptionGroup var datasetOptions: DatasetOptions

    @Flag(help: "Print the summary as JSON.")
    var json = false

    func run() throws {
        let summary = try datasetOptions.load().summary()
        if json {
            print(String(decoding: try prettyJSON(summary), as: UTF8.self))
        } else {
            print(Self.render(summary))
        }
    }

    /// The summary as an aligned text table.
    static func render(_ summary: DatasetSummary) -> String {
        var lines = ["Dataset \(summary.source) (\(summary.format.rawValue) layout)", ""]
        var rows = [["split", "images", "captions", "words min/median/mean/max", "missing files"]]
        for name in summary.splitOrder {
            guard let split = summary.splits[name] else { continue }
            let words = split.captionWords.map {
                "\($0.min) / \(formatDecimal($0.median)) / \(formatDecimal($0.mean)) / \($0.max)"
            } ?? "-"
            rows.append([name, grouped(split.images), grouped(split.captions), words, grouped(split.missingImageFiles)])
        }
        lines += TextTable.render(rows, rightAligned: [1, 2, 4])
        for name in summary.absentSplits {
            lines.append("\(name): absent: \(summary.absentSplitReasons[name] ?? "no images")")
        }
        if summary.unassignedImages > 0 {
            lines.append("Images in no split: \(grouped(summary.unassignedImages))")
        }
        if summary.skipped.isEmpty {
            lines.append("Skipped records: none")
        } else {
            let total = summary.skipped.values.reduce(0, +)
            let parts = summary.skipped.sorted { $0.key < $1.key }.map { "\(grouped($0.value)) \($0.key)" }
            lines.append("Skipped records: \(grouped(total)) (\(parts.joined(separator: ", ")))")
            for example in summary.examples { lines.append("  - \(example.kind.rawValue): \(example.detail)") }
        }
        return lines.joined(separator: "\n")
    }
}
