import Numerics

/// The second work's triplet loss on squared Euclidean distances: the mean over anchor i's negatives
/// j of `[‖aᵢ − pᵢ‖² − ‖aᵢ − cⱼ‖² + m]₊`, or with `hardestNegative` only the closest negative's hinge,
/// the mining FaceNet (Schroff et al., 2015) warns can collapse an unnormalised space to one point.
///
/// `‖aᵢ − cⱼ‖² = ‖aᵢ‖² + ‖cⱼ‖² − 2sᵢⱼ`, so the distances come from the batch's one product. `W` holds
/// each active (anchor, negative) pair's weight and the gradients are GEMMs with it:
/// `dA = 2(W·C − r⊙P)`, `dP = −2r⊙(A − P)`, `dC = 2(Wᵀ·A − q⊙C)`, r and q W's row and column sums.
public struct SquaredL2TripletLoss: PairLossFunction {
    /// The hinge's margin.
    public let margin: Float
    /// Only the closest negative counts.
    public let hardestNegative: Bool

    /// - Complexity: O(B · (B + M) · d), mostly GEMM.
    public func evaluate(_ batch: PairBatch) throws -> PairGradients {
        let (b, n, d) = (batch.b, batch.n, batch.d)
        let (anchors, positives, candidates, s) = (batch.anchors, batch.positives, batch.candidates, batch.scores)
        let anchorNorms = (0..<b).map { i in (0..<d).reduce(Float(0)) { $0 + anchors[i, $1] * anchors[i, $1] } }
        let candidateNorms = (0..<n).map { j in (0..<d).reduce(Float(0)) { $0 + candidates[j, $1] * candidates[j, $1] } }
        var w = Matrix(rows: b, columns: n)
        var rowSums = [Float](repeating: 0, count: b)
        var loss: Double = 0
        for i in 0..<b {
            let positiveDistance = batch.squaredDistance(anchors, i, positives, i)
            let negatives = (0..<n).filter { batch.isNegative(i, $0) }
            func distance(_ j: Int) -> Float { max(0, anchorNorms[i] + candidateNorms[j] - 2 * s[i, j]) }
            guard let closest = negatives.min(by: { distance($0) < distance($1) }) else { continue }
            let chosen = hardestNegative ? [closest] : negatives
            let weight = batch.scale / Float(chosen.count)
            for j in chosen {
                let violation = positiveDistance - distance(j) + margin
                guard violation > 0 else { continue }
                loss += Double(violation * weight)
                w[i, j] += weight
                rowSums[i] += weight
            }
        }
        let wc = try Matrix.product(w, candidates)
        var dC = try Matrix.product(w, anchors, transposeA: .transposed)
        for j in 0..<n {
            var columnSum: Float = 0
            for i in 0..<b { columnSum += w[i, j] }
            for c in 0..<d { dC.values[j * d + c] = 2 * (dC.values[j * d + c] - columnSum * candidates.values[j * d + c]) }
        }
        var dA = Matrix(rows: b, columns: d)
        var dP = Matrix(rows: b, columns: d)
        for i in 0..<b {
            for c in 0..<d {
                let index = i * d + c
                dA.values[index] = 2 * (wc.values[index] - rowSums[i] * positives.values[index])
                dP.values[index] = -2 * rowSums[i] * (anchors.values[index] - positives.values[index])
            }
        }
        // The weights already divide by B; the caller divides the sum by B again.
        loss /= Double(batch.scale)
        return PairGradients(sum: loss, anchors: dA, positives: dP, candidates: dC)
    }
}
