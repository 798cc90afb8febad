import Numerics

/// One pair loss: its value over a batch and the gradients with respect to anchors, positives and
/// candidates. ``PairLoss`` names the implementations a run can use.
public protocol PairLossFunction: Sendable {
    /// Whether candidate `i` (anchor `i`'s own positive) also counts among its negatives.
    var countsPositiveAsNegative: Bool { get }

    /// The loss summed over anchors (``PairLoss`` divides by B) and its gradients, already scaled by
    /// `batch.scale` = 1/B. `positives` holds only the gradient of the positive role; the candidate role
    /// of the same rows is in `candidates` and is added by the caller.
    func evaluate(_ batch: PairBatch) throws -> PairGradients
}

extension PairLossFunction {
    public var countsPositiveAsNegative: Bool { false }
}

/// A loss's value and gradients, before the caller folds the candidates' gradient into the positives'.
public struct PairGradients {
    /// The loss summed over anchors.
    public var sum: Double
    /// d loss / d anchors (B × d).
    public var anchors: Matrix
    /// d loss / d positives in their positive role (B × d).
    public var positives: Matrix
    /// d loss / d candidates in their negative role ((B + M) × d).
    public var candidates: Matrix
}

/// One batch as every pair loss sees it: anchors, positives, the candidates (the positives, then any
/// extra negatives), their similarities and which pairs are negatives.
public struct PairBatch {
    /// B anchor rows.
    public let anchors: Matrix
    /// B positive rows; row i matches anchor i.
    public let positives: Matrix
    /// B + M candidate rows: the positives, then the extra negatives.
    public let candidates: Matrix
    /// anchors · candidatesᵀ, B × (B + M).
    public let scores: Matrix
    /// 1/B: every loss is a mean over anchors.
    public let scale: Float
    private let negativeMask: [Bool]

    /// Anchors in the batch.
    public var b: Int { anchors.rows }
    /// Candidates in the batch.
    public var n: Int { candidates.rows }
    /// The embedding width.
    public var d: Int { anchors.columns }

    /// Builds the candidates and the negative mask; group ids decide which pairs are negatives.
    public init(
        anchors: Matrix, positives: Matrix, extraNegatives: Matrix, anchorGroups: [Int], candidateGroups: [Int],
        positiveCountsAsNegative: Bool
    ) throws {
        let b = anchors.rows
        let n = b + extraNegatives.rows
        guard positives.rows == b, positives.columns == anchors.columns, extraNegatives.columns == anchors.columns,
            anchorGroups.count == b, candidateGroups.count == n
        else {
            throw TrainingError("a loss got \(b) anchors, \(positives.rows) positives and \(candidateGroups.count) candidate groups")
        }
        var candidateValues = positives.values
        candidateValues += extraNegatives.values
        candidates = try Matrix(rows: n, columns: anchors.columns, values: candidateValues)
        self.anchors = anchors
        self.positives = positives
        scores = try Matrix.product(anchors, candidates, transposeB: .transposed)
        scale = 1 / Float(b)
        var mask = [Bool](repeating: false, count: b * n)
        for i in 0..<b {
            for j in 0..<n {
                mask[i * n + j] = i == j
                    ? positiveCountsAsNegative
                    : candidateGroups[j] != candidateGroups[i] && candidateGroups[j] != anchorGroups[i]
            }
        }
        negativeMask = mask
    }

    /// Whether candidate `j` is a negative of anchor `i`.
    @inline(__always)
    public func isNegative(_ i: Int, _ j: Int) -> Bool { negativeMask[i * n + j] }

    /// `‖x_i − y_j‖²`.
    func squaredDistance(_ x: Matrix, _ i: Int, _ y: Matrix, _ j: Int) -> Float {
        var sum: Float = 0
        for c in 0..<d {
            let diff = x[i, c] - y[j, c]
            sum += diff * diff
        }
        return sum
    }

    /// The sum and gradients of a loss written in the similarities alone, anchor by anchor: `row(i, &dS)`
    /// returns anchor i's term and adds its derivative in `sᵢ·` to row i of `dS` (B × (B + M)). Then
    /// d/dA = dS · C and d/dC = dSᵀ · A; the positives' own role gets nothing.
    func similarityLoss(_ row: (_ i: Int, _ ds: inout Matrix) -> Double) throws -> PairGradients {
        var ds = Matrix(rows: b, columns: n)
        var sum: Double = 0
        for i in 0..<b { sum += row(i, &ds) }
        return PairGradients(
            sum: sum, anchors: try Matrix.product(ds, candidates), positives: Matrix(rows: b, columns: d),
            candidates: try Matrix.product(ds, anchors, transposeA: .transposed))
    }
}
