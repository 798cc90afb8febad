import Numerics

extension SquaredL2TripletLoss {
    /// The second work's sampling: one negative per anchor (row i of `negatives` for anchor i), the mean
    /// over anchors of `[‖aᵢ − pᵢ‖² − ‖aᵢ − nᵢ‖² + m]₊`.
    ///
    /// For an active triplet: `dA = 2(nᵢ − pᵢ)`, `dP = −2(aᵢ − pᵢ)`, `dN = 2(aᵢ − nᵢ)`, over B.
    /// - Complexity: O(B · d).
    public func evaluate(
        anchors: Matrix, positives: Matrix, perAnchorNegatives negatives: Matrix
    ) throws -> (loss: Float, anchors: Matrix, positives: Matrix, negatives: Matrix) {
        let (b, d) = (anchors.rows, anchors.columns)
        guard b > 0, positives.rows == b, negatives.rows == b, negatives.columns == d else {
            throw TrainingError("one negative per anchor needs as many negatives as anchors")
        }
        let scale = 1 / Float(b)
        var dA = Matrix(rows: b, columns: d), dP = Matrix(rows: b, columns: d), dN = Matrix(rows: b, columns: d)
        var loss: Double = 0
        for i in 0..<b {
            var toPositive: Float = 0, toNegative: Float = 0
            for c in 0..<d {
                let p = anchors[i, c] - positives[i, c], n = anchors[i, c] - negatives[i, c]
                toPositive += p * p
                toNegative += n * n
            }
            let violation = toPositive - toNegative + margin
            guard violation > 0 else { continue }
            loss += Double(violation)
            for c in 0..<d {
                dA[i, c] = 2 * (negatives[i, c] - positives[i, c]) * scale
                dP[i, c] = -2 * (anchors[i, c] - positives[i, c]) * scale
                dN[i, c] = 2 * (anchors[i, c] - negatives[i, c]) * scale
            }
        }
        return (Float(loss) * scale, dA, dP, dN)
    }
}
