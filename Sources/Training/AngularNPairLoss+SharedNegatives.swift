import Foundation
import Numerics

extension AngularNPairLoss {
    /// The loss against negatives that every anchor shares (the first work's sampling): with
    /// `fᵢⱼ = 4t·(aᵢ + pᵢ)·nⱼ − 2(1 + t)·aᵢ·pᵢ`, the mean over anchors of `log(1 + m·Σⱼ exp fᵢⱼ)`, each of
    /// the M negatives counted `multiplicity` (m) times.
    ///
    /// With `W` the softmax weights `m·exp(fᵢⱼ − lseᵢ)/B` and `r` their row sums: `dA = 4t·W·N − 2(1+t)·r⊙P`,
    /// `dP = 4t·W·N − 2(1+t)·r⊙A`, `dN = 4t·Wᵀ·(A + P)`. Nothing is masked: a negative that happens to be
    /// an anchor's positive stays, as in their code.
    /// - Complexity: O(B · M · d).
    public func evaluate(
        anchors: Matrix, positives: Matrix, sharedNegatives negatives: Matrix, multiplicity: Float
    ) throws -> (loss: Float, anchors: Matrix, positives: Matrix, negatives: Matrix) {
        let (b, m, d, t) = (anchors.rows, negatives.rows, anchors.columns, tanSquared)
        guard b > 0, positives.rows == b, negatives.columns == d, multiplicity > 0 else {
            throw TrainingError("shared negatives need B anchors and positives and negatives of their width")
        }
        let an = try Matrix.product(anchors, negatives, transposeB: .transposed)
        let pn = try Matrix.product(positives, negatives, transposeB: .transposed)
        let logMultiplicity = log(multiplicity)
        let scale = 1 / Float(b)
        var w = Matrix(rows: b, columns: m)
        var loss: Double = 0
        for i in 0..<b {
            var ap: Float = 0
            for c in 0..<d { ap += anchors[i, c] * positives[i, c] }
            var f: [Float] = [0]
            for j in 0..<m { f.append(4 * t * (an[i, j] + pn[i, j]) - 2 * (1 + t) * ap + logMultiplicity) }
            let lse = logSumExp(f)
            loss += Double(lse)
            for j in 0..<m { w[i, j] = exp(f[j + 1] - lse) * scale }
        }
        let (dA, dP, dN) = try Self.gradients(weights: w, candidates: negatives, anchors: anchors, positives: positives, t: t)
        return (Float(loss) * scale, dA, dP, dN)
    }
}
