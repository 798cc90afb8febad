import Evaluation

/// Search results cut where the run's calibration says a match becomes less likely than `minProbability`.
///
/// Results keep their order (the probability is monotone in the score). When no result reaches the
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

    /// Attaches probabilities and cuts at `minProbability` (default: the calibration's).
    ///
    /// - Throws: ``SearchError`` when a threshold is asked of a run without a calibration, or is outside [0, 1].
    public static func apply(_ results: [SearchResult], calibration: MatchCalibration?, minProbability: Double?) throws(SearchError) -> RelevanceCut {
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
        let threshold = minProbability ?? calibration.minProbability
        var scored = results
        for i in scored.indices { scored[i].matchProbability = calibration.probability(scored[i].score) }
        let kept = scored.filter { ($0.matchProbability ?? 0) >= threshold }
        let none = kept.isEmpty && !scored.isEmpty
        return RelevanceCut(
            results: kept, noGoodMatch: none, nearest: none ? Array(scored.prefix(nearestOffered)) : [], minProbability: threshold)
    }
}
