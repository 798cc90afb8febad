import Evaluation
import Foundation
import SafeFiles

/// A run's calibration file: fitting it on a split, writing it, and reading it back checked.
public enum RunCalibration {
    /// Fits the calibration of `split`'s text→image scores (the space text queries are ranked in).
    public static func fit(_ split: EmbeddedSplit, seed: UInt64 = 1) throws -> MatchCalibration {
        try MatchCalibration.fit(space: split.textToImage, captionImage: split.features.captionImage, split: split.split, seed: seed)
    }

    /// The stored calibration's reliability on `split` (its own split, or another dataset's).
    public static func check(_ calibration: MatchCalibration, on split: EmbeddedSplit, seed: UInt64 = 1) throws
        -> (bins: [MatchCalibration.Bin], expectedCalibrationError: Double, answered: Double)
    {
        try calibration.check(space: split.textToImage, captionImage: split.features.captionImage, seed: seed)
    }

    /// Writes `calibration` as the run's `calibration.json`.
    public static func write(_ calibration: MatchCalibration, to run: RunFolder) throws {
        try prettyJSON(calibration).write(to: run.calibrationFile, options: .atomic)
    }

    /// The run's calibration, or nil when it has none (a run trained before calibrations existed).
    ///
    /// - Throws: ``PipelineError`` naming the file when it is unreadable or its numbers are not usable.
    public static func read(from run: RunFolder) throws(PipelineError) -> MatchCalibration? {
        let file = run.calibrationFile
        guard FileManager.default.fileExists(atPath: file.path) else { return nil }
        let data: Data
        do {
            data = try RegularFile.read(file, maxBytes: 1 << 20)
        } catch {
            throw PipelineError(error.message)
        }
        let calibration: MatchCalibration
        do {
            calibration = try JSONDecoder().decode(MatchCalibration.self, from: data)
        } catch {
            throw PipelineError("\(file.path) is not a crossmodal calibration (\(error)); fit it again with `crossmodal calibrate`")
        }
        guard calibration.method == "platt", calibration.slope.isFinite, calibration.intercept.isFinite,
            (0...1).contains(calibration.minProbability)
        else {
            throw PipelineError("\(file.path): the slope and intercept must be finite and minProbability within [0, 1]; fit it again with `crossmodal calibrate`")
        }
        return calibration
    }
}
