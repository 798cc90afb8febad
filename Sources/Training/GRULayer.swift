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
        var rows: Range<Int>
        var steps = 0
        var order: [Int] = []
        var active: [Int] = []
        var offsets: [Int] = []
        var tokens: [Int32] = []  // −1 where a row has no token at a step
        var inputs: [Float] = []  // the embedding rows read, zero for inactive rows
        var previous: [Float] = []  // the state entering each step
        var r: [Float] = []
        var z: [Float] = []
        var n: [Float] = []
        var recurrentN: [Float] = []  // h·U_n + b_hn
    }

    /// One slice's share of the weight gradients, added to the parameters' in slice order.
    private struct SliceGradients {
        var recurrentWeights: Matrix
        var inputWeights: Matrix
        var inputBias: Matrix
        var recurrentBias: Matrix
        var embeddingRows: Matrix  // d(embedding row) for each (step, row) with a token
    }

    private var slices: [Slice] = []
    private var batch = 0
    /// Rows below which a batch is not split (a GEMM of fewer rows gains little from its own core).
    static let minimumSliceRows = 16

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

    /// σ(x) = 1 / (1 + e^−x), eight lanes at a time (FastMath.exp: relative error below 5e-7).
    @inline(__always) static func sigmoid(_ x: SIMD8<Float>) -> SIMD8<Float> { 1 / (1 + FastMath.exp(-x)) }

    /// tanh(x) = 1 − 2 / (e^2x + 1): exact at ±∞ (e^2x overflows to +inf or goes to 0); absolute error
    /// about 1e-7 near 0, where the relative error of the difference grows.
    @inline(__always) static func tanh(_ x: SIMD8<Float>) -> SIMD8<Float> { 1 - 2 / (FastMath.exp(x + x) + 1) }

    /// Loads `count` (at most 8) floats into the low lanes, zero above.
    @inline(__always) static func load(_ p: UnsafePointer<Float>, _ count: Int) -> SIMD8<Float> {
        if count == 8 { return UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self) }
        var v = SIMD8<Float>()
        for i in 0..<count { v[i] = p[i] }
        return v
    }

    /// Stores the low `count` lanes.
    @inline(__always) static func store(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>, _ count: Int) {
        if count == 8 {
            UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
            return
        }
        for i in 0..<count { p[i] = v[i] }
    }

    /// Adds the column sums of `matrix` to the one-row `sums`.
    static func addColumnSums(_ matrix: Matrix, into sums: inout Matrix) {
        let columns = matrix.columns
        sums.values.withUnsafeMutableBufferPointer { total in
            matrix.values.withUnsafeBufferPointer { values in
                for row in 0..<matrix.rows {
                    let source = values.baseAddress! + row * columns
                    for c in 0..<columns { total[c] += source[c] }
                }
            }
        }
    }

    /// The forward pass. Rows are independent, so a batch of at least 2 × ``minimumSliceRows`` rows is
    /// split into one slice per core (the image tower runs on the other core only briefly). In each slice
    /// the input projections x·W + b_i of every step are one GEMM before the loop (they do not depend on
    /// the state); each step then needs only h·U and the gates, eight lanes at a time.
    ///
    /// - Complexity: O(T · B · (d + H) · 3H) for T steps of B rows, d-wide embeddings and H-wide states.
    public func forward(_ x: Matrix, training: Bool, generator: inout SeededGenerator) throws -> Matrix {
        batch = x.rows
        let pieces = batch >= 2 * Self.minimumSliceRows ? min(Parallel.cores, batch / Self.minimumSliceRows) : 1
        let ranges = (0..<pieces).map { ($0 * batch / pieces)..<(($0 + 1) * batch / pieces) }
        let results = try Parallel.spread(pieces) { piece throws -> (Slice, Matrix) in try forwardSlice(x, rows: ranges[piece]) }
        slices = results.map(\.0)
        var state = Matrix(rows: batch, columns: hidden)
        for (slice, sliceState) in results {
            for (offset, row) in slice.rows.enumerated() {
                for c in 0..<hidden { state.values[row * hidden + c] = sliceState.values[offset * hidden + c] }
            }
        }
        return state
    }

    private func forwardSlice(_ x: Matrix, rows range: Range<Int>) throws -> (Slice, Matrix) {
        let h = hidden, h3 = 3 * hidden
        let width = embeddings.value.columns
        let vocabulary = embeddings.value.rows
        let batch = range.count
        var slice = Slice(rows: range)
        func token(_ row: Int, _ t: Int) -> Int? {
            guard let id = Int(exactly: x[row, t]), id >= 0, id < vocabulary else { return nil }
            return id
        }
        // Each row's leading run of tokens, and whether any row has a token after a gap.
        var lengths = [Int](repeating: 0, count: batch)
        var length = 0, gaps = false
        for (offset, row) in range.enumerated() {
            var run = 0
            while run < x.columns, token(row, run) != nil { run += 1 }
            lengths[offset] = run
            for t in run..<x.columns where token(row, t) != nil {
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
                    guard let id = token(range.lowerBound + slice.order[i], t) else { continue }
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
        var kept = (
            previous: [Float](repeating: 0, count: count), r: [Float](repeating: 0, count: count),
            z: [Float](repeating: 0, count: count), n: [Float](repeating: 0, count: count), rn: [Float](repeating: 0, count: count))
        var recurrent = Matrix(rows: batch, columns: h3)
        for t in 0..<length {
            let (rows, first) = (slice.active[t], slice.offsets[t])
            state.values.withUnsafeBufferPointer { hState in
                recurrentWeights.value.values.withUnsafeBufferPointer { u in
                    recurrent.values.withUnsafeMutableBufferPointer { out in
                        BLAS.sgemm(
                            transposeA: false, transposeB: false, m: rows, n: h3, k: h, a: hState.baseAddress!, lda: h, b: u.baseAddress!,
                            ldb: h3, c: out.baseAddress!, ldc: h3)
                    }
                }
            }
            projected.values.withUnsafeBufferPointer { gi in
                recurrent.values.withUnsafeBufferPointer { gh in
                    inputBias.value.values.withUnsafeBufferPointer { bi in
                        recurrentBias.value.values.withUnsafeBufferPointer { bh in
                            state.values.withUnsafeMutableBufferPointer { hState in
                                kept.previous.withUnsafeMutableBufferPointer { keptPrevious in
                                    kept.r.withUnsafeMutableBufferPointer { keptR in
                                        kept.z.withUnsafeMutableBufferPointer { keptZ in
                                            kept.n.withUnsafeMutableBufferPointer { keptN in
                                                kept.rn.withUnsafeMutableBufferPointer { keptRN in
                                                    let (bi, bh) = (bi.baseAddress!, bh.baseAddress!)
                                                    for row in 0..<rows {
                                                        let s = (first + row) * h
                                                        let hRow = hState.baseAddress! + row * h
                                                        (keptPrevious.baseAddress! + s).update(from: hRow, count: h)
                                                        guard tokens[first + row] >= 0 else { continue }  // the state passes through
                                                        let giRow = gi.baseAddress! + (first + row) * h3, ghRow = gh.baseAddress! + row * h3
                                                        var c = 0
                                                        while c < h {
                                                            let k = min(8, h - c)
                                                            let r = Self.sigmoid(
                                                                Self.load(giRow + c, k) + Self.load(bi + c, k) + Self.load(ghRow + c, k) + Self.load(bh + c, k))
                                                            let z = Self.sigmoid(
                                                                Self.load(giRow + h + c, k) + Self.load(bi + h + c, k) + Self.load(ghRow + h + c, k)
                                                                    + Self.load(bh + h + c, k))
                                                            let rn = Self.load(ghRow + 2 * h + c, k) + Self.load(bh + 2 * h + c, k)
                                                            let n = Self.tanh(Self.load(giRow + 2 * h + c, k) + Self.load(bi + 2 * h + c, k) + r * rn)
                                                            let old = Self.load(hRow + c, k)
                                                            Self.store(r, keptR.baseAddress! + s + c, k)
                                                            Self.store(z, keptZ.baseAddress! + s + c, k)
                                                            Self.store(n, keptN.baseAddress! + s + c, k)
                                                            Self.store(rn, keptRN.baseAddress! + s + c, k)
                                                            Self.store((1 - z) * n + z * old, hRow + c, k)
                                                            c += 8
                                                        }
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
        (slice.previous, slice.r, slice.z, slice.n, slice.recurrentN) = kept
        // Back to the slice's own row order.
        var output = Matrix(rows: batch, columns: h)
        for (position, row) in slice.order.enumerated() {
            for c in 0..<h { output.values[row * h + c] = state.values[position * h + c] }
        }
        return (slice, output)
    }

    /// Backpropagation through time, slice by slice on separate cores. Per step only the state's gradient
    /// needs a GEMM (through U); the gate gradients are stacked, so the input gradient, both weight
    /// gradients and the biases' come from large GEMMs and sums after the loop. The slices' shares are
    /// added to the parameters' gradients in slice order, so the result does not depend on timing.
    public func backward(_ gradient: Matrix) throws -> Matrix {
        let width = embeddings.value.columns
        let shares = try Parallel.spread(slices.count) { index throws -> SliceGradients? in
            try backwardSlice(slices[index], gradient: gradient)
        }
        for (slice, share) in zip(slices, shares) {
            guard let share else { continue }
            Self.add(share.recurrentWeights, into: &recurrentWeights.gradient)
            Self.add(share.inputWeights, into: &inputWeights.gradient)
            Self.add(share.inputBias, into: &inputBias.gradient)
            Self.add(share.recurrentBias, into: &recurrentBias.gradient)
            embeddings.gradient.values.withUnsafeMutableBufferPointer { table in
                share.embeddingRows.values.withUnsafeBufferPointer { d in
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

    private func backwardSlice(_ slice: Slice, gradient: Matrix) throws -> SliceGradients? {
        let h = hidden, h3 = 3 * hidden
        let width = embeddings.value.columns
        let batch = slice.rows.count
        guard slice.steps > 0 else { return nil }
        var dh = Matrix(rows: batch, columns: h)  // in the slice's sorted order
        for (position, row) in slice.order.enumerated() {
            for c in 0..<h { dh.values[position * h + c] = gradient.values[(slice.rows.lowerBound + row) * h + c] }
        }
        let total = slice.tokens.count
        var inputGradient = Matrix(rows: total, columns: h3)  // d(x·W + b_i), packed like the forward pass
        var stateGradient = Matrix(rows: total, columns: h3)  // d(h·U + b_h)
        for t in (0..<slice.steps).reversed() {
            let (rows, first) = (slice.active[t], slice.offsets[t])
            var carried = dh
            inputGradient.values.withUnsafeMutableBufferPointer { dgi in
                stateGradient.values.withUnsafeMutableBufferPointer { dgh in
                    slice.r.withUnsafeBufferPointer { keptR in
                        slice.z.withUnsafeBufferPointer { keptZ in
                            slice.n.withUnsafeBufferPointer { keptN in
                                slice.previous.withUnsafeBufferPointer { keptPrevious in
                                    slice.recurrentN.withUnsafeBufferPointer { keptRN in
                                        dh.values.withUnsafeBufferPointer { dhValues in
                                            carried.values.withUnsafeMutableBufferPointer { carriedValues in
                                                for row in 0..<rows where slice.tokens[first + row] >= 0 {
                                                    let s = (first + row) * h
                                                    let dgiRow = dgi.baseAddress! + (first + row) * h3
                                                    let dghRow = dgh.baseAddress! + (first + row) * h3
                                                    var c = 0
                                                    while c < h {
                                                        let k = min(8, h - c)
                                                        let r = Self.load(keptR.baseAddress! + s + c, k)
                                                        let z = Self.load(keptZ.baseAddress! + s + c, k)
                                                        let n = Self.load(keptN.baseAddress! + s + c, k)
                                                        let old = Self.load(keptPrevious.baseAddress! + s + c, k)
                                                        let rn = Self.load(keptRN.baseAddress! + s + c, k)
                                                        let g = Self.load(dhValues.baseAddress! + row * h + c, k)
                                                        Self.store(g * z, carriedValues.baseAddress! + row * h + c, k)
                                                        let dnPre = g * (1 - z) * (1 - n * n)
                                                        let drPre = dnPre * rn * r * (1 - r)
                                                        let dzPre = g * (old - n) * z * (1 - z)
                                                        Self.store(drPre, dgiRow + c, k)
                                                        Self.store(dzPre, dgiRow + h + c, k)
                                                        Self.store(dnPre, dgiRow + 2 * h + c, k)
                                                        Self.store(drPre, dghRow + c, k)
                                                        Self.store(dzPre, dghRow + h + c, k)
                                                        Self.store(dnPre * r, dghRow + 2 * h + c, k)
                                                        c += 8
                                                    }
                                                }
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
            // The state's gradient flows back through U (for the rows that read at this step).
            stateGradient.values.withUnsafeBufferPointer { dgh in
                recurrentWeights.value.values.withUnsafeBufferPointer { u in
                    carried.values.withUnsafeMutableBufferPointer { out in
                        BLAS.sgemm(
                            transposeA: false, transposeB: true, m: rows, n: h, k: h3, a: dgh.baseAddress! + first * h3, lda: h3,
                            b: u.baseAddress!, ldb: h3, beta: 1, c: out.baseAddress!, ldc: h)
                    }
                }
            }
            dh = carried
        }
        var share = SliceGradients(
            recurrentWeights: Matrix(rows: h, columns: h3), inputWeights: Matrix(rows: width, columns: h3),
            inputBias: Matrix(rows: 1, columns: h3), recurrentBias: Matrix(rows: 1, columns: h3),
            embeddingRows: try Matrix.product(inputGradient, inputWeights.value, transposeB: .transposed))
        try Matrix.gemm(Matrix(rows: total, columns: h, values: slice.previous), stateGradient, transposeA: .transposed, into: &share.recurrentWeights)
        try Matrix.gemm(Matrix(rows: total, columns: width, values: slice.inputs), inputGradient, transposeA: .transposed, into: &share.inputWeights)
        // Inactive rows' gate gradients are zero, so plain column sums give the biases' gradients.
        Self.addColumnSums(inputGradient, into: &share.inputBias)
        Self.addColumnSums(stateGradient, into: &share.recurrentBias)
        return share
    }

    /// `total += part`, through pointers (an element access to a class's stored array per addition
    /// would pay a dynamic exclusivity check each time).
    static func add(_ part: Matrix, into total: inout Matrix) {
        total.values.withUnsafeMutableBufferPointer { t in
            part.values.withUnsafeBufferPointer { p in
                for i in 0..<min(t.count, p.count) { t[i] += p[i] }
            }
        }
    }
}
