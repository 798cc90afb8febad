import Numerics

/// The angular triplet hinge of the first work's paper (Wang et al., 2017): the mean over anchor i's
/// negatives j of `[‖aᵢ − pᵢ‖² − 4t·‖cⱼ − mᵢ‖²]₊` with `mᵢ = (aᵢ + pᵢ)/2` and `t = tan²α`.
public struct AngularTripletLoss: PairLossFunction {
    /// `tan²α`.
    public let tanSquared: Float

    /// - Complexity: O(B · (B + M) · d), in Swift loops (the loss is for comparison, not speed).
    public func evaluate(_ batch: PairBatch) throws -> PairGradients {
        let (b, n, d, t) = (batch.b, batch.n, batch.d, tanSquared)
        let (anchors, positives, candidates) = (batch.anchors, batch.positives, batch.candidates)
        var dA = Matrix(rows: b, columns: d)
        var dP = Matrix(rows: b, columns: d)
        var dC = Matrix(rows: n, columns: d)
        var loss: Double = 0
        for i in 0..<b {
            let negatives = (0..<n).filter { batch.isNegative(i, $0) }
            guard !negatives.isEmpty else { continue }
            let weight = batch.scale / Float(negatives.count)
            let positiveDistance = batch.squaredDistance(anchors, i, positives, i)
            for j in negatives {
                var centreDistance: Float = 0
                for c in 0..<d {
                    let diff = candidates[j, c] - (anchors[i, c] + positives[i, c]) / 2
                    centreDistance += diff * diff
                }
                let violation = positiveDistance - 4 * t * centreDistance
                guard violation > 0 else { continue }
                loss += Double(violation * weight)
                for c in 0..<d {
                    let toNegative = candidates[j, c] - (anchors[i, c] + positives[i, c]) / 2
                    let apart = anchors[i, c] - positives[i, c]
                    dA[i, c] += weight * (2 * apart + 4 * t * toNegative)
                    dP[i, c] += weight * (-2 * apart + 4 * t * toNegative)
                    dC[j, c] -= weight * 8 * t * toNegative
                }
            }
        }
        // The weights already divide by B; the caller divides the sum by B again.
        loss /= Double(batch.scale)
        return PairGradients(sum: loss, anchors: dA, positives: dP, candidates: dC)
    }
}
