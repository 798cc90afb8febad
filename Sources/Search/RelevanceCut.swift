import Evaluation
import Numerics

/// Search results cut where the run's calibration says a match becomes less likely than `minProbability`.
///
/// Results keep their order (the probability is monotone in the score, or in the margin over the image's
/// baseline: then a lower-ranked result can be the surer one, and the cut keeps every result that clears it). When no result reaches the
/// threshold the answer is "no good match", and the nearest few are still offered, marked as such, so a
/// person sees what the gallery has closest and a program can tell it from a match.
public struct RelevanceCut: Sendable {
    /// The results at or above the threshold, each with its probability (all results when there is no
    /// calibration).
    public var results: [SearchResult]
    /// Whether a calibration cut every result.
    public var noGoodMatch: Bool
    /// With ``noGoodMatch``: the nearest results, below the threshold.
    public var nearest: [SearchResult]
    /// The threshold applied, or nil without a calibration.
    public var minProbability: Double?

    /// What an answer says beside its results: whether nothing was good enough (only when a threshold was
    /// applied), the nearest then, and the threshold — nil where the answer leaves the field out.
    public var answerFields: (noGoodMatch: Bool?, nearest: [SearchResult]?, minProbability: Double?) {
        (minProbability == nil ? nil : noGoodMatch, noGoodMatch ? nearest : nil, minProbability)
    }

    /// How many results a "no good match" answer still offers.
    public static let nearestOffered = 5

    /// Cuts a text query's image results, judging each against its image's baseline when the calibration
    /// uses phrases (the images' vectors come from `gallery`).
    public static func images(
        _ results: [SearchResult], in gallery: GalleryIndex, calibration: MatchCalibration?, minProbability: Double?
    ) throws(SearchError) -> RelevanceCut {
        var baselines: [Float]?
        if let calibration, calibration.usesPhrases {
            baselines = try bank(of: calibration).baselines(gallery.textQueryVectors(ofImages: results.map(\.imageID)))
        }
        return try apply(results, calibration: calibration, baselines: baselines, minProbability: minProbability)
    }

    /// Cuts an image query's caption results: every caption is judged against the query image's baseline.
    public static func captions(
        _ results: [SearchResult], query: [Float], calibration: MatchCalibration?, minProbability: Double?
    ) throws(SearchError) -> RelevanceCut {
        var baselines: [Float]?
        if let calibration, calibration.usesPhrases {
            baselines = Array(repeating: try bank(of: calibration).baseline(query), count: results.count)
        }
        return try apply(results, calibration: calibration, baselines: baselines, minProbability: minProbability)
    }

    private static func bank(of calibration: MatchCalibration) throws(SearchError) -> PhraseBankInSearch {
        guard let bank = calibration.phraseBank else {
            throw SearchError("the run's calibration names phrases but they were not embedded (open the run with its query encoder)")
        }
        return PhraseBankInSearch(bank: bank)
    }

    /// Attaches probabilities and cuts at `minProbability` (default: the calibration's); `baselines` (one per
    /// result) are the images' baselines when the calibration uses phrases.
    ///
    /// - Throws: ``SearchError`` when a threshold is asked of a run without a calibration, or is outside [0, 1].
    public static func apply(
        _ results: [SearchResult], calibration: MatchCalibration?, baselines: [Float]? = nil, minProbability: Double?
    ) throws(SearchError) -> RelevanceCut {
        if let minProbability, !(0...1).contains(minProbability) {
            throw SearchError("the minimum probability must be between 0 and 1, not \(minProbability)")
        }
        guard let calibration else {
            if minProbability != nil {
                throw SearchError("this index's run has no calibration, so results have no match probability; fit one with "
                    + "`crossmodal calibrate RUN DATASET` and rebuild the index, or search without a minimum probability")
            }
            return RelevanceCut(results: results, noGoodMatch: false, nearest: [], minProbability: nil)
        }
        if calibration.usesPhrases, baselines?.count != results.count {
            throw SearchError("the results have \(baselines?.count ?? 0) image baselines for \(results.count) results")
        }
        let threshold = minProbability ?? calibration.minProbability
        var scored = results
        for i in scored.indices {
            scored[i].matchProbability = calibration.probability(scored[i].score, baseline: calibration.usesPhrases ? baselines?[i] ?? 0 : 0)
        }
        let kept = scored.filter { ($0.matchProbability ?? 0) >= threshold }
        let none = kept.isEmpty && !scored.isEmpty
        return RelevanceCut(
            results: kept, noGoodMatch: none, nearest: none ? Array(scored.prefix(nearestOffered)) : [], minProbability: threshold)
    }
}

/// A phrase bank whose numeric errors are search errors.
private struct PhraseBankInSearch {
    let bank: PhraseBank

    func baselines(_ images: Matrix) throws(SearchError) -> [Float] {
        do { return try bank.baselines(images) } catch { throw SearchError(error.message) }
    }

    func baseline(_ image: [Float]) throws(SearchError) -> Float {
        do { return try bank.baseline(image) } catch { throw SearchError(error.message) }
    }
}
