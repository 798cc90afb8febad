import Foundation
import Numerics

/// InfoNCE: the cross-entropy of `softmax(sᵢ· / τ)` over the positive and anchor i's negatives,
/// against the positive.
///
/// The gradient of the logits is the softmax minus the one-hot positive, over τ; a loss of the
/// similarities alone.
public struct InfoNCELoss: PairLossFunction {
    /// The temperature τ.
    public let temperature: Float

    /// - Complexity: O(B · (B + M) · d).
    public func evaluate(_ batch: PairBatch) throws -> PairGradients {
        let s = batch.scores
        return try batch.similarityLoss { i, ds in
            var logits: [Float] = [s[i, i] / temperature]
            var columns = [i]
            for j in 0..<batch.n where batch.isNegative(i, j) {
                logits.append(s[i, j] / temperature)
                columns.append(j)
            }
            let lse = logSumExp(logits)
            for (k, j) in columns.enumerated() {
                ds[i, j] += (exp(logits[k] - lse) - (k == 0 ? 1 : 0)) * batch.scale / temperature
            }
            return Double(lse - logits[0])
        }
    }
}
