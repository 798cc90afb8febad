import ArgumentParser
import Evaluation
import Foundation
import Pipeline

/// `crossmodal calibrate`: fit or check a run's score → match probability.
struct CalibrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "calibrate",
        abstract: "Fit a run's match probability on a split (train does this on its validation split), or check it on another.",
        discussion: """
            The probability is Platt scaling of the text→image score less the image's baseline (the mean of its 20 best \
            scores against the 512 commonest words of the split's texts, embedded as queries), fitted on what a search \
            of the split shows: each caption's 10 best images, labelled by whether the result is the caption's own \
            image. The default minimum probability lets 85% of the split's texts keep an answer: it is the probability \
            their best result reaches. The reliability diagram and the expected calibration error (10 \
            equal-width bins) are of held-out predictions: the texts of each half of the images predicted by the fit on \
            the other half. With --check, the run's stored calibration is measured on the split instead (another \
            dataset's, say), and nothing is written. An index takes the run's calibration when it is built.
            """
    )

    @OptionGroup var source: RunSplitOptions

    @Flag(help: "Measure the run's stored calibration on the split instead of fitting one.") var check = false
    @Option(help: "The probability a search result needs by default (0–1; default: reached by the best result of 85% of the split's texts).")
    var minProbability: Double?
    @Option(help: "Random seed of the negative pairs.") var seed: UInt64 = 1
    @Flag(help: "Print the result as JSON.") var json = false

    func validate() throws {
        if let minProbability, !(0...1).contains(minProbability) { throw ValidationError("--min-probability must be between 0 and 1") }
    }

    func run() throws {
        let runFolder = RunFolder(path: source.runFolder)
        let stored = try RunCalibration.read(from: runFolder)
        if check, stored == nil {
            throw ValidationError("\(source.runFolder) has no calibration.json to check; fit one first: crossmodal calibrate \(source.runFolder) DATASET")
        }
        let split = try source.embed()
        if check, let stored {
            let (bins, ece, answered) = try RunCalibration.check(stored, on: split, seed: seed)
            if json {
                print(String(decoding: try prettyJSON(Checked(
                    split: source.split, expectedCalibrationError: ece, answeredShare: answered, reliability: bins)), as: UTF8.self))
                return
            }
            print(String(format: "the calibration of %@ (fitted on %@) on %@: expected calibration error %.3f over %d bins; "
                + "%.1f%% of the texts' best results reach the minimum probability %.3f", source.runFolder, stored.split, source.split, ece,
                MatchCalibration.binCount, 100 * answered, stored.minProbability))
            for line in Self.describe(bins) { print(line) }
            return
        }
        var calibration = try RunCalibration.fit(split, seed: seed)
        if let minProbability { calibration.minProbability = minProbability }
        try RunCalibration.write(calibration, to: runFolder)
        if json {
            print(String(decoding: try prettyJSON(calibration), as: UTF8.self))
            return
        }
        print(String(format: "match probability = σ(%.3f · %@ %+.3f), fitted on %@ (%d results that were the text's image, %d that were not); written to %@",
                     calibration.slope, calibration.usesPhrases ? "(score − image baseline)" : "score", calibration.intercept, source.split, calibration.positives, calibration.negatives, runFolder.calibrationFile.path))
        print(String(format: "held-out expected calibration error %.3f over %d bins; a result counts as a match from probability %.3f (%@ %@)",
                     calibration.expectedCalibrationError, MatchCalibration.binCount, calibration.minProbability, calibration.scoreName,
                     calibration.score(atProbability: calibration.minProbability).map { String(format: "%.3f", $0) } ?? "n/a"))
        for line in Self.describe(calibration.reliability) { print(line) }
        print("rebuild an index of this run (crossmodal index build …) for its searches to use it")
    }

    /// The reliability diagram as a table.
    static func describe(_ bins: [MatchCalibration.Bin]) -> [String] {
        var rows = [["predicted", "pairs (weight)", "mean predicted", "observed"]]
        for bin in bins where bin.weight > 0 {
            rows.append([
                String(format: "%.1f–%.1f", bin.lower, bin.upper), String(format: "%.0f", bin.weight),
                String(format: "%.3f", bin.predicted), String(format: "%.3f", bin.observed),
            ])
        }
        return TextTable.render(rows, rightAligned: [1, 2, 3])
    }

    struct Checked: Encodable {
        var split: String
        var expectedCalibrationError: Double
        var answeredShare: Double
        var reliability: [MatchCalibration.Bin]
    }
}
