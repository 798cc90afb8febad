import Foundation
import Numerics

/// The loss of a training run, as `config.json` records it: which ``PairLossFunction`` and its settings.
///
/// Every term of the objective applies it between a batch of anchors and their positives, the other
/// positives in the batch serving as negatives. Row `i` of the anchors matches row `i` of the positives.
/// Candidate `j ≠ i` is a negative for anchor `i` unless its group equals the group of positive `i` or
/// of anchor `i` (two captions of one image are not negatives of each other).
public enum PairLoss: Codable, Equatable, Sendable {
    /// ``AngularNPairLoss``; `positiveAmongNegatives` also counts `j = i`, as the first work's code does.
    case angularNPair(tanSquared: Float, positiveAmongNegatives: Bool)
    /// ``VSEPlusPlusLoss``: hinge over every negative, or only the hardest.
    case vsePlusPlus(margin: Float, hardestNegative: Bool)
    /// ``InfoNCELoss``.
    case infoNCE(temperature: Float)
    /// ``AngularTripletLoss``.
    case angularTriplet(tanSquared: Float)
    /// ``SquaredL2TripletLoss`` averaged over the negatives (the second work's loss).
    case tripletSquaredL2(margin: Float)
    /// ``SquaredL2TripletLoss`` against the closest negative only.
    case hardestTripletSquaredL2(margin: Float)

    /// The function that computes this loss.
    public var function: any PairLossFunction {
        switch self {
        case .angularNPair(let t, let positive): AngularNPairLoss(tanSquared: t, positiveAmongNegatives: positive)
        case .vsePlusPlus(let margin, let hardest): VSEPlusPlusLoss(margin: margin, hardestNegative: hardest)
        case .infoNCE(let temperature): InfoNCELoss(temperature: temperature)
        case .angularTriplet(let t): AngularTripletLoss(tanSquared: t)
        case .tripletSquaredL2(let margin): SquaredL2TripletLoss(margin: margin, hardestNegative: false)
        case .hardestTripletSquaredL2(let margin): SquaredL2TripletLoss(margin: margin, hardestNegative: true)
        }
    }

    /// The loss and its gradients with respect to anchors and positives, the batch's other positives
    /// serving as negatives.
    ///
    /// - Complexity: O(B² · d) for a batch of B rows of width d.
    public func evaluate(
        anchors: Matrix, positives: Matrix, anchorGroups: [Int], positiveGroups: [Int]
    ) throws -> (loss: Float, anchors: Matrix, positives: Matrix) {
        let r = try evaluate(
            anchors: anchors, positives: positives, anchorGroups: anchorGroups, positiveGroups: positiveGroups,
            extraNegatives: Matrix(rows: 0, columns: anchors.columns), extraGroups: [])
        return (r.loss, r.anchors, r.positives)
    }

    /// The loss (a mean over the B anchors) and its gradients, with `extraNegatives` (such as captions
    /// drawn from the whole training set) as further candidates beside the batch's positives.
    ///
    /// - Complexity: O(B · (B + M) · d) for M extra negatives.
    public func evaluate(
        anchors: Matrix, positives: Matrix, anchorGroups: [Int], positiveGroups: [Int],
        extraNegatives: Matrix, extraGroups: [Int]
    ) throws -> (loss: Float, anchors: Matrix, positives: Matrix, extras: Matrix) {
        let b = anchors.rows
        let d = anchors.columns
        let m = extraNegatives.rows
        guard b > 0 else { return (0, anchors, positives, extraNegatives) }
        let loss = function
        let batch = try PairBatch(
            anchors: anchors, positives: positives, extraNegatives: extraNegatives, anchorGroups: anchorGroups,
            candidateGroups: positiveGroups + extraGroups, positiveCountsAsNegative: loss.countsPositiveAsNegative)
        var result = try loss.evaluate(batch)
        // A candidate row j < B is positive j: its two roles' gradients add up.
        for i in 0..<(b * d) { result.positives.values[i] += result.candidates.values[i] }
        let extras = try Matrix(rows: m, columns: d, values: Array(result.candidates.values[(b * d)...]))
        return (Float(result.sum) * batch.scale, result.anchors, result.positives, extras)
    }
}

extension PairLoss {
    /// The loss with negatives chosen by the sampling rather than the batch: shared by every anchor and
    /// counted `multiplicity` times (``NegativeSampling/randomTexts``, angular loss), or one per anchor
    /// (``NegativeSampling/oneRandom``, triplet losses).
    public func evaluate(
        anchors: Matrix, positives: Matrix, negatives: Matrix, sharedBy multiplicity: Float?
    ) throws -> (loss: Float, anchors: Matrix, positives: Matrix, negatives: Matrix) {
        switch (function, multiplicity) {
        case (let angular as AngularNPairLoss, let m?):
            return try angular.evaluate(anchors: anchors, positives: positives, sharedNegatives: negatives, multiplicity: m)
        case (let triplet as SquaredL2TripletLoss, nil):
            return try triplet.evaluate(anchors: anchors, positives: positives, perAnchorNegatives: negatives)
        default:
            throw TrainingError("this loss does not take sampled negatives; use in-batch negatives")
        }
    }
}
