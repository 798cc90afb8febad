import Foundation
import Numerics

/// The angular N-pair loss (Wang et al., 2017) as the first work's code uses it:
/// `log(1 + Σⱼ exp(fᵢⱼ))` with `fᵢⱼ = 4t·(aᵢ + pᵢ)·cⱼ − 2(1 + t)·aᵢ·pᵢ` and `t = tan²α`, over anchor i's
/// negatives j.
///
/// With `W` the softmax weights `exp(fᵢⱼ − lseᵢ)/B` and `r` their row sums:
/// `dA = 4t·W·C − 2(1+t)·r⊙P`, `dP = 4t·W·C − 2(1+t)·r⊙A`, `dC = 4t·Wᵀ·(A + P)`.
/// The log-sum-exp keeps the value finite for any similarities.
public struct AngularNPairLoss: PairLossFunction {
    /// `tan²α`; the first work uses α = 45°, so 1.
    public let tanSquared: Float
    /// Also counts the positive among the negatives, as the first work's code does by accident.
    public let positiveAmongNegatives: Bool

    public var countsPositiveAsNegative: Bool { positiveAmongNegatives }

    /// - Complexity: O(B · (B + M) · d).
    public func evaluate(_ batch: PairBatch) throws -> PairGradients {
        let (b, n, t) = (batch.b, batch.n, tanSquared)
        let s = batch.scores
        let pc = try Matrix.product(batch.positives, batch.candidates, transposeB: .transposed)
        var loss: Double = 0
        var w = Matrix(rows: b, columns: n)
        for i in 0..<b {
            var f: [Float] = [0]  // the leading 1 in log(1 + Σ exp f)
            var columns: [Int] = []
            for j in 0..<n where batch.isNegative(i, j) {
                f.append(4 * t * (s[i, j] + pc[i, j]) - 2 * (1 + t) * s[i, i])
                columns.append(j)
            }
            let lse = logSumExp(f)
            loss += Double(lse)
            for (k, j) in columns.enumerated() { w[i, j] = exp(f[k + 1] - lse) * batch.scale }
        }
        let (dA, dP, dC) = try Self.gradients(weights: w, candidates: batch.candidates, anchors: batch.anchors, positives: batch.positives, t: t)
        return PairGradients(sum: loss, anchors: dA, positives: dP, candidates: dC)
    }

    /// The gradients from the softmax weights `W` (B × candidates, already over B) and `r` their row sums:
    /// `dA = 4t·W·C − 2(1+t)·r⊙P`, `dP = 4t·W·C − 2(1+t)·r⊙A`, `dC = 4t·Wᵀ·(A + P)`.
    static func gradients(
        weights w: Matrix, candidates: Matrix, anchors: Matrix, positives: Matrix, t: Float
    ) throws -> (anchors: Matrix, positives: Matrix, candidates: Matrix) {
        let (b, d) = (anchors.rows, anchors.columns)
        let wc = try Matrix.product(w, candidates)
        var sum = anchors
        for i in sum.values.indices { sum.values[i] += positives.values[i] }
        var dC = try Matrix.product(w, sum, transposeA: .transposed)
        for i in 0..<dC.values.count { dC.values[i] *= 4 * t }
        var dA = Matrix(rows: b, columns: d)
        var dP = Matrix(rows: b, columns: d)
        for i in 0..<b {
            var r: Float = 0
            for j in 0..<w.columns { r += w[i, j] }
            for c in 0..<d {
                dA.values[i * d + c] = 4 * t * wc.values[i * d + c] - 2 * (1 + t) * r * positives.values[i * d + c]
                dP.values[i * d + c] = 4 * t * wc.values[i * d + c] - 2 * (1 + t) * r * anchors.values[i * d + c]
            }
        }
        return (dA, dP, dC)
    }
}
