import Numerics

/// VSE++ (Faghri et al., 2018): `Σⱼ [m − sᵢᵢ + sᵢⱼ]₊` over anchor i's negatives, or only the hardest
/// (highest-scoring) one.
///
/// A loss of the similarities alone: its gradients are `dS·C` and `dSᵀ·A`.
public struct VSEPlusPlusLoss: PairLossFunction {
    /// The hinge's margin.
    public let margin: Float
    /// Only the hardest negative counts.
    public let hardestNegative: Bool

    /// - Complexity: O(B · (B + M) · d).
    public func evaluate(_ batch: PairBatch) throws -> PairGradients {
        let s = batch.scores
        return try batch.similarityLoss { i, ds in
            let negatives: [Int]
            if hardestNegative {
                var best = -1
                for j in 0..<batch.n where batch.isNegative(i, j) && (best < 0 || s[i, j] > s[i, best]) { best = j }
                negatives = best >= 0 ? [best] : []
            } else {
                negatives = (0..<batch.n).filter { batch.isNegative(i, $0) }
            }
            var loss: Double = 0
            for j in negatives {
                let violation = margin - s[i, i] + s[i, j]
                if violation > 0 {
                    loss += Double(violation)
                    ds[i, j] += batch.scale
                    ds[i, i] -= batch.scale
                }
            }
            return loss
        }
    }
}
