import Foundation
import Numerics

/// A loss between a batch of anchors and their positives, the other positives in the batch serving
/// as negatives.
///
/// Row `i` of the anchors matches row `i` of the positives. Candidate `j ≠ i` is a negative for
/// anchor `i` unless its group equals the group of positive `i` or of anchor `i` (two captions of
/// one image are not negatives of each other).
public enum PairLoss: Codable, Equatable, Sendable {
    /// The angular N-pair loss (Wang et al., 2017) as the first work's code uses it:
    /// `log(1 + Σⱼ exp(4t·(aᵢ + pᵢ)·pⱼ − 2(1 + t)·aᵢ·pᵢ))` with `t = tan²α`, over the batch's
    /// distinct negatives. `positiveAmongNegatives` also counts `j = i`, as the reference code does
    /// by accident.
    case angularNPair(tanSquared: Float, positiveAmongNegatives: Bool)
    /// VSE++ (Faghri et al., 2018): `Σⱼ [m − sᵢᵢ + sᵢⱼ]₊`, or only the hardest negative.
    case vsePlusPlus(margin: Float, hardestNegative: Bool)
    /// InfoNCE: cross-entropy of `softmax(sᵢ· / τ)` against the positive.
    case infoNCE(temperature: Float)
    /// The angular triplet hinge of the first work's paper (Wang et al., 2017):
    /// mean over negatives of `[‖aᵢ − pᵢ‖² − 4t·‖pⱼ − cᵢ‖²]₊` with `cᵢ = (aᵢ + pᵢ)/2`, `t = tan²α`.
    case angularTriplet(tanSquared: Float)
    /// The second work's triplet loss on squared Euclidean distances:
    /// mean over negatives of `[‖aᵢ − pᵢ‖² − ‖aᵢ − pⱼ‖² + m]₊`.
    case tripletSquaredL2(margin: Float)
    /// The same squared-Euclidean triplet hinge against only the closest negative,
    /// `[‖aᵢ − pᵢ‖² − minⱼ ‖aᵢ − pⱼ‖² + m]₊`: the mining FaceNet (Schroff et al., 2015) warns can
    /// collapse an unnormalised space to one point.
    case hardestTripletSquaredL2(margin: Float)

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

    /// The loss and its gradients, with `extraNegatives` (such as captions drawn from the whole
    /// training set) as further candidates beside the batch's positives.
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
        // Candidates: the batch's positives, then the extra negatives.
        var candidates = positives
        candidates.values += extraNegatives.values
        candidates = try Matrix(rows: b + m, columns: d, values: candidates.values)
        let candidateGroups = positiveGroups + extraGroups
        let includeDiagonal: Bool
        if case .angularNPair(_, let flag) = self { includeDiagonal = flag } else { includeDiagonal = false }
        func isNegative(_ i: Int, _ j: Int) -> Bool {
            if i == j { return includeDiagonal }
            return candidateGroups[j] != positiveGroups[i] && candidateGroups[j] != anchorGroups[i]
        }
        let n = b + m
        func squaredDistance(_ x: Matrix, _ i: Int, _ y: Matrix, _ j: Int) -> Float {
            var sum: Float = 0
            for c in 0..<d {
                let diff = x[i, c] - y[j, c]
                sum += diff * diff
            }
            return sum
        }
        let s = try Matrix.product(anchors, candidates, transposeB: .transposed)  // b × n
        var ds = Matrix(rows: b, columns: n)
        var loss: Double = 0
        let scale = 1 / Float(b)
        var dA = Matrix(rows: b, columns: d)
        var dP = Matrix(rows: b, columns: d)
        var dC = Matrix(rows: n, columns: d)

        switch self {
        case .angularNPair(let t, _):
            // f_ij = 4t·(aᵢ + pᵢ)·cⱼ − 2(1+t)·aᵢ·pᵢ; pc holds pᵢ·cⱼ.
            let pc = try Matrix.product(positives, candidates, transposeB: .transposed)
            var w = Matrix(rows: b, columns: n)
            for i in 0..<b {
                var f: [Float] = [0]  // the leading 1 in log(1 + Σ exp f)
                var columns: [Int] = []
                for j in 0..<n where isNegative(i, j) {
                    f.append(4 * t * (s[i, j] + pc[i, j]) - 2 * (1 + t) * s[i, i])
                    columns.append(j)
                }
                let lse = logSumExp(f)
                loss += Double(lse)
                for (k, j) in columns.enumerated() { w[i, j] = exp(f[k + 1] - lse) * scale }
            }
            // dA = 4t·W·C − 2(1+t)·r⊙P;  dP = 4t·W·C − 2(1+t)·r⊙A;  dC = 4t·Wᵀ·(A + P), r = row sums of W.
            let wc = try Matrix.product(w, candidates)
            var sum = anchors
            for i in sum.values.indices { sum.values[i] += positives.values[i] }
            dC = try Matrix.product(w, sum, transposeA: .transposed)
            for i in 0..<dC.values.count { dC.values[i] *= 4 * t }
            for i in 0..<b {
                var r: Float = 0
                for j in 0..<n { r += w[i, j] }
                for c in 0..<d {
                    dA.values[i * d + c] = 4 * t * wc.values[i * d + c] - 2 * (1 + t) * r * positives.values[i * d + c]
                    dP.values[i * d + c] = 4 * t * wc.values[i * d + c] - 2 * (1 + t) * r * anchors.values[i * d + c]
                }
            }

        case .vsePlusPlus(let margin, let hardest):
            for i in 0..<b {
                if hardest {
                    var best = -1
                    for j in 0..<n where isNegative(i, j) && (best < 0 || s[i, j] > s[i, best]) { best = j }
                    if best >= 0 {
                        let violation = margin - s[i, i] + s[i, best]
                        if violation > 0 {
                            loss += Double(violation)
                            ds[i, best] += scale
                            ds[i, i] -= scale
                        }
                    }
                } else {
                    for j in 0..<n where isNegative(i, j) {
                        let violation = margin - s[i, i] + s[i, j]
                        if violation > 0 {
                            loss += Double(violation)
                            ds[i, j] += scale
                            ds[i, i] -= scale
                        }
                    }
                }
            }

        case .infoNCE(let temperature):
            for i in 0..<b {
                var logits: [Float] = [s[i, i] / temperature]
                var columns = [i]
                for j in 0..<n where isNegative(i, j) {
                    logits.append(s[i, j] / temperature)
                    columns.append(j)
                }
                let lse = logSumExp(logits)
                loss += Double(lse - logits[0])
                for (k, j) in columns.enumerated() {
                    ds[i, j] += (exp(logits[k] - lse) - (k == 0 ? 1 : 0)) * scale / temperature
                }
            }

        case .angularTriplet(let t):
            for i in 0..<b {
                let negatives = (0..<n).filter { isNegative(i, $0) }
                guard !negatives.isEmpty else { continue }
                let weight = scale / Float(negatives.count)
                let positiveDistance = squaredDistance(anchors, i, positives, i)
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
            loss /= Double(scale)  // undone below, where every loss is scaled by 1/B

        case .tripletSquaredL2(let margin), .hardestTripletSquaredL2(let margin):
            // ‖aᵢ − cⱼ‖² = ‖aᵢ‖² + ‖cⱼ‖² − 2sᵢⱼ, so distances come from the one product above; W holds
            // each active (anchor, negative) pair's weight, and the gradients are GEMMs with it:
            // dA = 2(W·C − r⊙P), dP = −2r⊙(A − P), dC = 2(Wᵀ·A − q⊙C), r and q W's row and column sums.
            var hardest = false
            if case .hardestTripletSquaredL2 = self { hardest = true }
            let anchorNorms = (0..<b).map { i in (0..<d).reduce(Float(0)) { $0 + anchors[i, $1] * anchors[i, $1] } }
            let candidateNorms = (0..<n).map { j in (0..<d).reduce(Float(0)) { $0 + candidates[j, $1] * candidates[j, $1] } }
            var w = Matrix(rows: b, columns: n)
            var rowSums = [Float](repeating: 0, count: b)
            for i in 0..<b {
                let positiveDistance = squaredDistance(anchors, i, positives, i)
                let negatives = (0..<n).filter { isNegative(i, $0) }
                guard !negatives.isEmpty else { continue }
                func distance(_ j: Int) -> Float { max(0, anchorNorms[i] + candidateNorms[j] - 2 * s[i, j]) }
                let chosen = hardest ? [negatives.min { distance($0) < distance($1) }!] : negatives
                let weight = scale / Float(chosen.count)
                for j in chosen {
                    let violation = positiveDistance - distance(j) + margin
                    guard violation > 0 else { continue }
                    loss += Double(violation * weight)
                    w[i, j] += weight
                    rowSums[i] += weight
                }
            }
            let wc = try Matrix.product(w, candidates)
            dC = try Matrix.product(w, anchors, transposeA: .transposed)
            for j in 0..<n {
                var columnSum: Float = 0
                for i in 0..<b { columnSum += w[i, j] }
                for c in 0..<d { dC.values[j * d + c] = 2 * (dC.values[j * d + c] - columnSum * candidates.values[j * d + c]) }
            }
            for i in 0..<b {
                for c in 0..<d {
                    let index = i * d + c
                    dA.values[index] = 2 * (wc.values[index] - rowSums[i] * positives.values[index])
                    dP.values[index] = -2 * rowSums[i] * (anchors.values[index] - positives.values[index])
                }
            }
            loss /= Double(scale)
        }
        // Similarity-based losses: dA = dS·C, dC = dSᵀ·A.
        if case .vsePlusPlus = self {
            dA = try Matrix.product(ds, candidates)
            dC = try Matrix.product(ds, anchors, transposeA: .transposed)
        } else if case .infoNCE = self {
            dA = try Matrix.product(ds, candidates)
            dC = try Matrix.product(ds, anchors, transposeA: .transposed)
        }
        // A candidate row j < B is positive j: its two roles' gradients add up.
        for i in 0..<(b * d) { dP.values[i] += dC.values[i] }
        let extras = try Matrix(rows: m, columns: d, values: Array(dC.values[(b * d)...]))
        return (Float(loss) * scale, dA, dP, extras)
    }
}
