import Evaluation
import Foundation
import SafeFiles

/// A run's calibration file: fitting it on a split, writing it, and reading it back checked.
public enum RunCalibration {
    /// Fits the calibration of `split`'s text→image scores (the space text queries are ranked in).
    ///
    /// In an inner-product space the scores are judged against image baselines (``PhraseBank``): the bank is
    /// `phrases` (default: the ``PhraseBank/defaultSize`` commonest words of the split's texts that the run
    /// can read), embedded with the run's text tower.
    public static func fit(_ split: EmbeddedSplit, phrases: [String]? = nil, seed: UInt64 = 1) throws -> MatchCalibration {
        var bank: PhraseBank?
        var chosen: [String]?
        if split.run.metric == .innerProduct {
            let encoder = try QueryEncoder(run: split.run, store: split.store)
            let words = phrases ?? PhraseBank.commonWords(in: split.features.captions.map(\.text)) { word in
                encoder.words(of: word).map { $0.known > 0 } ?? true
            }
            if words.count >= PhraseBank.defaultNeighbors {
                bank = try PhraseBank(vectors: encoder.embedPhrases(words), neighbors: PhraseBank.defaultNeighbors)
                chosen = words
            }
        }
        return try MatchCalibration.fit(
            space: split.textToImage, captionImage: split.features.captionImage, split: split.split, seed: seed, phrases: chosen, bank: bank)
    }

    /// The stored calibration's reliability on `split` (its own split, or another dataset's).
    public static func check(_ calibration: MatchCalibration, on split: EmbeddedSplit, seed: UInt64 = 1) throws
        -> (bins: [MatchCalibration.Bin], expectedCalibrationError: Double, answered: Double)
    {
        var calibration = calibration
        if calibration.usesPhrases { try attachPhrases(&calibration, encoder: QueryEncoder(run: split.run, store: split.store)) }
        return try calibration.check(space: split.textToImage, captionImage: split.features.captionImage, seed: seed)
    }

    /// Embeds a calibration's phrases with the run's text tower, when it has phrases and they are not embedded.
    static func attachPhrases(_ calibration: inout MatchCalibration, encoder: QueryEncoder) throws {
        guard calibration.usesPhrases, calibration.phraseBank == nil, let phrases = calibration.phrases else { return }
        calibration.phraseBank = try PhraseBank(
            vectors: encoder.embedPhrases(phrases), neighbors: calibration.phraseNeighbors ?? PhraseBank.defaultNeighbors)
    }

    /// The most phrases a calibration file may name (each is embedded when the run loads).
    public static let maxPhrases = 10_000

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
        let calibration = try readJSON(MatchCalibration.self, from: file, maxBytes: 1 << 20) { error in
            "\(file.path) is not a crossmodal calibration (\(error)); fit it again with `crossmodal calibrate`"
        }
        guard calibration.method == "platt", calibration.slope.isFinite, calibration.intercept.isFinite,
            (0...1).contains(calibration.minProbability)
        else {
            throw PipelineError("\(file.path): the slope and intercept must be finite and minProbability within [0, 1]; fit it again with `crossmodal calibrate`")
        }
        if let phrases = calibration.phrases {
            let neighbors = calibration.phraseNeighbors ?? PhraseBank.defaultNeighbors
            guard phrases.count <= maxPhrases, phrases.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 200 }), (1...max(1, phrases.count)).contains(neighbors)
            else {
                throw PipelineError("\(file.path): phrases must be at most \(maxPhrases) non-empty phrases of at most 200 bytes, and phraseNeighbors "
                    + "between 1 and their number; fit it again with `crossmodal calibrate`")
            }
        }
        return calibration
    }
}
