import CKernels
import Foundation
import Numerics

/// Word embeddings followed by a single-layer GRU; the output is each sequence's final hidden state.
///
/// Input rows are token sequences written as a matrix of token ids (as `Float`, exact below 2²⁴),
/// padded on the right with −1; an empty sequence gives a zero state. The GRU follows PyTorch's
/// equations with gates ordered (r, z, n):
///
///     r = σ(x·W_r + b_ir + h·U_r + b_hr)      z = σ(x·W_z + b_iz + h·U_z + b_hz)
///     n = tanh(x·W_n + b_in + r ⊙ (h·U_n + b_hn))      h' = (1 − z) ⊙ n + z ⊙ h
///
/// Backward is exact backpropagation through time; padded steps pass the state (and its gradient)
/// through unchanged. Embedding rows receive scatter-added gradients.
public final class EmbeddingGRU: Layer {
    /// Word embeddings, `vocabulary × embedding` (initialised from Doc2Vec word vectors by the caller).
    public let embeddings: Parameter
    /// Input weights, `embedding × 3·hidden`, gates (r, z, n).
    public let inputWeights: Parameter
    /// Recurrent weights, `hidden × 3·hidden`.
    public let recurrentWeights: Parameter
    /// Input biases, `1 × 3·hidden`.
    public let inputBias: Parameter
    /// Recurrent biases, `1 × 3·hidden`.
    public let recurrentBias: Parameter
    /// The state width.
    public let hidden: Int

    /// What the forward pass keeps of one slice of rows for the backward pass. Its rows are sorted longest
    /// first (`order[i]` is the slice row at position i), so that the rows still reading at step t are the
    /// first `active[t]`; the per-step arrays are packed, step t's rows starting at `offsets[t]` (as
    /// PyTorch's packed sequences). Rows with gaps in their tokens keep their order and every step.
    private struct Slice {
        var rows: [Int]  // the batch rows it holds
        var steps = 0
        var order: [Int] = []
        var active: [Int] = []
        var offsets: [Int] = []
        var tokens: [Int32] = []  // −1 where a row has no token at a step
        var inputs: [Float] = []  // the embedding rows read, zero for inactive rows
        /// Five planes of `tokens.count × hidden`, packed like the steps: the state entering each step,
        /// then r, z, n and h·U_n + b_hn (one array, so a pass reaches all five through one pointer).
        var kept: [Float] = []

        /// The five planes of `kept`, from a pointer to its first element (mutable or not).
        static func planes<Pointer: Strideable>(_ base: Pointer, count: Int) -> (
            previous: Pointer, r: Pointer, z: Pointer, n: Pointer, recurrentN: Pointer
        ) where Pointer.Stride == Int {
            (base, base.advanced(by: count), base.advanced(by: 2 * count), base.advanced(by: 3 * count), base.advanced(by: 4 * count))
        }
    }

    /// One slice's gate gradients at every step, packed like its forward pass.
    private struct GateGradients {
        var input: Matrix  // d(x·W + b_i)
        var state: Matrix  // d(h·U + b_h)
    }

    private var slices: [Slice] = []
    private var batch = 0
    /// Rows per slice: a batch is cut into slices of about this many rows, which the cores claim one at a
    /// time (so a core that finishes other work early, such as the image tower, takes its share).
    static let sliceRows = 16

    /// Creates the layer with embeddings `initial` and weights uniform in ±1/√hidden (PyTorch's default).
    public init(name: String, embeddings initial: Matrix, hidden: Int, generator: inout SeededGenerator) {
        self.hidden = hidden
        let bound = 1 / Float(hidden).squareRoot()
        func uniform(_ rows: Int, _ columns: Int) -> Matrix {
            var m = Matrix(rows: rows, columns: columns)
            for i in m.values.indices { m.values[i] = (generator.uniformFloat() * 2 - 1) * bound }
            return m
        }
        embeddings = Parameter(name: "\(name).embeddings", value: initial)
        inputWeights = Parameter(name: "\(name).input_weights", value: uniform(initial.columns, 3 * hidden))
        recurrentWeights = Parameter(name: "\(name).recurrent_weights", value: uniform(hidden, 3 * hidden))
        inputBias = Parameter(name: "\(name).input_bias", value: uniform(1, 3 * hidden))
        recurrentBias = Parameter(name: "\(name).recurrent_bias", value: uniform(1, 3 * hidden))
    }

    public var parameters: [Parameter] { [embeddings, inputWeights, recurrentWeights, inputBias, recurrentBias] }

    /// The forward pass. Rows are independent, so the batch is cut into slices of about ``sliceRows`` rows
    /// that the cores claim one at a time. In each slice the input projections x·W + b_i of every step are
    /// one GEMM before the loop (they do not depend on the state); each step then needs only h·U, against
    /// U packed once for all slices and steps (``PackedMatrix``), and the gates (vectorised C).
    ///
    /// - Complexity: O(T · B · (d + H) · 3H) for T steps of B rows, d-wide embeddings and H-wide states.
    public func forward(_ x: Matrix, training: Bool, generator: inout SeededGenerator) throws -> Matrix {
        batch = x.rows
        let pieces = max(1, batch / Self.sliceRows)
        // Rows of similar length share a slice (fewer partly filled steps), and the longest slices come
        // first, so the last pieces the cores claim are the shortest.
        let lengths = (0..<batch).map { row in  // each row's leading run of tokens
            var run = 0
            while run < x.columns, token(x, row, run) != nil { run += 1 }
            return run
        }
        let byLength = (0..<batch).sorted { lengths[$0] != lengths[$1] ? lengths[$0] > lengths[$1] : $0 < $1 }
        let ranges = (0..<pieces).map { Array(byLength[($0 * batch / pieces)..<(($0 + 1) * batch / pieces)]) }
        let recurrent = PackedMatrix(recurrentWeights.value)  // read at every step of every slice
        let results = try Parallel.spread(pieces) { piece throws -> (Slice, Matrix) in
            try forwardSlice(x, rows: ranges[piece], lengths: ranges[piece].map { lengths[$0] }, recurrent: recurrent)
        }
        slices = results.map(\.0)
        var state = Matrix(rows: batch, columns: hidden)
        for (slice, sliceState) in results {
            for (offset, row) in slice.rows.enumerated() {
                for c in 0..<hidden { state.values[row * hidden + c] = sliceState.values[offset * hidden + c] }
            }
        }
        return state
    }

    /// The token id at row `row`, step `t` of `x`, or nil for padding (anything but an id in the vocabulary).
    private func token(_ x: Matrix, _ row: Int, _ t: Int) -> Int? {
        guard let id = Int(exactly: x[row, t]), id >= 0, id < embeddings.value.rows else { return nil }
        return id
    }

    /// One slice: `range` are its batch rows, `lengths` their leading runs of tokens.
    private func forwardSlice(_ x: Matrix, rows range: [Int], lengths: [Int], recurrent packedU: PackedMatrix) throws -> (Slice, Matrix) {
        let h = hidden, h3 = 3 * hidden
        let width = embeddings.value.columns
        let batch = range.count
        var slice = Slice(rows: range)
        // Whether any row has a token after a gap.
        var length = 0, gaps = false
        for (offset, row) in range.enumerated() {
            let run = lengths[offset]
            for t in run..<x.columns where token(x, row, t) != nil {
                gaps = true
                length = max(length, t + 1)
            }
            length = max(length, run)
        }
        slice.steps = length
        slice.order = gaps ? Array(0..<batch) : (0..<batch).sorted { lengths[$0] != lengths[$1] ? lengths[$0] > lengths[$1] : $0 < $1 }
        slice.active = (0..<length).map { t in gaps ? batch : lengths.reduce(0) { $0 + ($1 > t ? 1 : 0) } }
        var total = 0
        slice.offsets = slice.active.map { count in
            defer { total += count }
            return total
        }
        var tokens = [Int32](repeating: -1, count: total)
        var inputs = [Float](repeating: 0, count: total * width)
        embeddings.value.values.withUnsafeBufferPointer { table in
            for t in 0..<length {
                for i in 0..<slice.active[t] {
                    guard let id = token(x, range[slice.order[i]], t) else { continue }
                    let packed = slice.offsets[t] + i
                    tokens[packed] = Int32(id)
                    for c in 0..<width { inputs[packed * width + c] = table[id * width + c] }
                }
            }
        }
        var state = Matrix(rows: batch, columns: h)  // in sorted order
        slice.tokens = tokens
        guard length > 0 else { return (slice, state) }
        let projected = try Matrix.product(Matrix(rows: total, columns: width, values: inputs), inputWeights.value)
        slice.inputs = inputs
        let count = total * h
        var kept = [Float](repeating: 0, count: 5 * count)
        var recurrent = Matrix(rows: batch, columns: h3)
        for t in 0..<length {
            let (rows, first) = (slice.active[t], slice.offsets[t])
            // The state entering the first step is zero, and so is its product with U.
            state.values.withUnsafeBufferPointer { hState in
                recurrent.values.withUnsafeMutableBufferPointer { out in
                    if t == 0 {
                        out.baseAddress!.update(repeating: 0, count: rows * h3)
                    } else {
                        packedU.multiply(rows: rows, hState.baseAddress!, lda: h, into: out.baseAddress!, ldc: h3)
                    }
                }
            }
            projected.values.withUnsafeBufferPointer { gi in
                recurrent.values.withUnsafeBufferPointer { gh in
                    inputBias.value.values.withUnsafeBufferPointer { bi in
                        recurrentBias.value.values.withUnsafeBufferPointer { bh in
                            state.values.withUnsafeMutableBufferPointer { hState in
                                kept.withUnsafeMutableBufferPointer { keptValues in
                                    let kept = Slice.planes(keptValues.baseAddress!, count: count)
                                    let (bi, bh) = (bi.baseAddress!, bh.baseAddress!)
                                    for row in 0..<rows {
                                        let s = (first + row) * h
                                        let hRow = hState.baseAddress! + row * h
                                        (kept.previous + s).update(from: hRow, count: h)
                                        guard tokens[first + row] >= 0 else { continue }  // the state passes through
                                        cm_gru_forward_row(
                                            h, gi.baseAddress! + (first + row) * h3, bi, gh.baseAddress! + row * h3, bh, hRow,
                                            kept.r + s, kept.z + s, kept.n + s, kept.recurrentN + s)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        slice.kept = kept
        // Back to the slice's own row order.
        var output = Matrix(rows: batch, columns: h)
        for (position, row) in slice.order.enumerated() {
            for c in 0..<h { output.values[row * h + c] = state.values[position * h + c] }
        }
        return (slice, output)
    }

    /// Backpropagation through time, slice by slice on separate cores. Per step only the state's gradient
    /// needs a GEMM (through U); the gate gradients are stacked, so the weight gradients, the biases' and
    /// the embedding rows' come from large GEMMs and sums after the loop. Those are cut by columns, each
    /// piece adding the slices in order, so the result does not depend on timing.
    public func backward(_ gradient: Matrix) throws -> Matrix {
        let h = hidden, h3 = 3 * hidden
        let width = embeddings.value.columns
        let transposedU = PackedMatrix(recurrentWeights.value, transposed: true)  // read at every step of every slice
        let gates = try Parallel.spread(slices.count) { index throws -> GateGradients? in
            try backwardThroughTime(slices[index], gradient: gradient, transposedU: transposedU)
        }
        let columnPieces = min(2 * Parallel.cores, max(1, h3 / 64))
        let columnRanges = (0..<columnPieces).map { ($0 * h3 / columnPieces)..<(($0 + 1) * h3 / columnPieces) }
        let inputWeightValues = inputWeights.value
        let embeddingRows: [Matrix?] = try recurrentWeights.gradient.values.withUnsafeMutableBufferPointer { dU in
            try inputWeights.gradient.values.withUnsafeMutableBufferPointer { dW in
                try inputBias.gradient.values.withUnsafeMutableBufferPointer { dbi in
                    try recurrentBias.gradient.values.withUnsafeMutableBufferPointer { dbh in
                        nonisolated(unsafe) let out = (dU: dU.baseAddress!, dW: dW.baseAddress!, dbi: dbi.baseAddress!, dbh: dbh.baseAddress!)
                        return try Parallel.spread(columnPieces + slices.count) { task throws -> Matrix? in
                            guard task < columnPieces else {
                                // d(embedding row) = d(x·W) · Wᵀ for each (step, row) of one slice.
                                guard let g = gates[task - columnPieces] else { return nil }
                                return try Matrix.product(g.input, inputWeightValues, transposeB: .transposed)
                            }
                            let columns = columnRanges[task]
                            for (slice, g) in zip(slices, gates) {
                                guard let g else { continue }
                                Self.addWeightGradients(slice, g, columns: columns, hidden: h, width: width, into: out)
                            }
                            return nil
                        }
                    }
                }
            }
        }
        embeddings.gradient.values.withUnsafeMutableBufferPointer { table in
            for (slice, rows) in zip(slices, embeddingRows.dropFirst(columnPieces)) {
                guard let rows else { continue }
                rows.values.withUnsafeBufferPointer { d in
                    for index in 0..<slice.tokens.count where slice.tokens[index] >= 0 {
                        let target = table.baseAddress! + Int(slice.tokens[index]) * width, source = d.baseAddress! + index * width
                        for c in 0..<width { target[c] += source[c] }
                    }
                }
            }
        }
        // Token ids have no gradient; nothing sits below this layer.
        return Matrix(rows: batch, columns: 0)
    }

    /// Adds one slice's share to `columns` of the gradients of U, W and both biases:
    /// dU += Σ_t h_{t−1}ᵀ · d(h·U)_t (the first step's states are zero and add nothing),
    /// dW += Σ_t x_tᵀ · d(x·W)_t, and the column sums of the gate gradients (zero on inactive rows).
    private static func addWeightGradients(
        _ slice: Slice, _ g: GateGradients, columns: Range<Int>, hidden h: Int, width: Int,
        into out: (dU: UnsafeMutablePointer<Float>, dW: UnsafeMutablePointer<Float>, dbi: UnsafeMutablePointer<Float>, dbh: UnsafeMutablePointer<Float>)
    ) {
        let h3 = 3 * h, total = slice.tokens.count, skipped = slice.active[0]
        let (first, n) = (columns.lowerBound, columns.count)
        slice.kept.withUnsafeBufferPointer { previous in  // the first plane
            slice.inputs.withUnsafeBufferPointer { inputs in
                g.state.values.withUnsafeBufferPointer { dgh in
                    g.input.values.withUnsafeBufferPointer { dgi in
                        BLAS.sgemm(
                            transposeA: true, transposeB: false, m: h, n: n, k: total - skipped, a: previous.baseAddress! + skipped * h, lda: h,
                            b: dgh.baseAddress! + skipped * h3 + first, ldb: h3, beta: 1, c: out.dU + first, ldc: h3)
                        BLAS.sgemm(
                            transposeA: true, transposeB: false, m: width, n: n, k: total, a: inputs.baseAddress!, lda: width,
                            b: dgi.baseAddress! + first, ldb: h3, beta: 1, c: out.dW + first, ldc: h3)
                        for row in 0..<total {
                            let (si, sh) = (dgi.baseAddress! + row * h3, dgh.baseAddress! + row * h3)
                            for c in columns {
                                out.dbi[c] += si[c]
                                out.dbh[c] += sh[c]
                            }
                        }
                    }
                }
            }
        }
    }

    /// The gate gradients of one slice at every step, from the gradient of its final states.
    private func backwardThroughTime(_ slice: Slice, gradient: Matrix, transposedU: PackedMatrix) throws -> GateGradients? {
        let h = hidden, h3 = 3 * hidden
        let batch = slice.rows.count
        guard slice.steps > 0 else { return nil }
        var dh = Matrix(rows: batch, columns: h)  // in the slice's sorted order
        for (position, row) in slice.order.enumerated() {
            for c in 0..<h { dh.values[position * h + c] = gradient.values[slice.rows[row] * h + c] }
        }
        let total = slice.tokens.count
        var inputGradient = Matrix(rows: total, columns: h3)  // d(x·W + b_i), packed like the forward pass
        var stateGradient = Matrix(rows: total, columns: h3)  // d(h·U + b_h)
        for t in (0..<slice.steps).reversed() {
            let (rows, first) = (slice.active[t], slice.offsets[t])
            var carried = dh
            inputGradient.values.withUnsafeMutableBufferPointer { dgi in
                stateGradient.values.withUnsafeMutableBufferPointer { dgh in
                    slice.kept.withUnsafeBufferPointer { keptValues in
                        let kept = Slice.planes(keptValues.baseAddress!, count: total * h)
                        dh.values.withUnsafeBufferPointer { dhValues in
                            carried.values.withUnsafeMutableBufferPointer { carriedValues in
                                for row in 0..<rows where slice.tokens[first + row] >= 0 {
                                    let s = (first + row) * h
                                    let dgiRow = dgi.baseAddress! + (first + row) * h3
                                    let dghRow = dgh.baseAddress! + (first + row) * h3
                                    cm_gru_backward_row(
                                        h, kept.r + s, kept.z + s, kept.n + s, kept.previous + s, kept.recurrentN + s,
                                        dhValues.baseAddress! + row * h, carriedValues.baseAddress! + row * h, dgiRow, dghRow)
                                }
                            }
                        }
                    }
                }
            }
            // The state's gradient flows back through U (for the rows that read at this step); the initial
            // state's gradient is not needed.
            if t > 0 {
                stateGradient.values.withUnsafeBufferPointer { dgh in
                    carried.values.withUnsafeMutableBufferPointer { out in
                        transposedU.multiply(rows: rows, dgh.baseAddress! + first * h3, lda: h3, into: out.baseAddress!, ldc: h, accumulate: true)
                    }
                }
            }
            dh = carried
        }
        return GateGradients(input: inputGradient, state: stateGradient)
    }
}
