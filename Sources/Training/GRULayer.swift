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

    /// What the forward pass keeps for the backward pass, every array `steps × batch × …`, step-major.
    private var steps = 0
    private var batch = 0
    private var tokens: [Int32] = []  // −1 where a row has no token at a step
    private var inputs: [Float] = []  // the embedding rows read, zero for inactive rows
    private var previous: [Float] = []  // the state entering each step
    private var gateR: [Float] = []
    private var gateZ: [Float] = []
    private var gateN: [Float] = []
    private var recurrentN: [Float] = []  // h·U_n + b_hn

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

    /// The forward pass. The input projections x·W + b_i of every step are one GEMM before the loop
    /// (they do not depend on the state); each step then needs only h·U and the gates, eight lanes at a time.
    ///
    /// - Complexity: O(T · B · (d + H) · 3H) for T steps of B rows, d-wide embeddings and H-wide states.
    public func forward(_ x: Matrix, training: Bool, generator: inout SeededGenerator) throws -> Matrix {
        batch = x.rows
        let h = hidden, h3 = 3 * hidden
        let width = embeddings.value.columns
        let vocabulary = embeddings.value.rows
        // Steps up to the last one with any token.
        var length = 0
        for t in 0..<x.columns {
            for row in 0..<batch where Int(exactly: x[row, t]).map({ $0 >= 0 && $0 < vocabulary }) == true { length = t + 1 }
        }
        steps = length
        tokens = [Int32](repeating: -1, count: length * batch)
        inputs = [Float](repeating: 0, count: length * batch * width)
        embeddings.value.values.withUnsafeBufferPointer { table in
            for t in 0..<length {
                for row in 0..<batch {
                    guard let token = Int(exactly: x[row, t]), token >= 0, token < vocabulary else { continue }
                    tokens[t * batch + row] = Int32(token)
                    let target = (t * batch + row) * width
                    for c in 0..<width { inputs[target + c] = table[token * width + c] }
                }
            }
        }
        var state = Matrix(rows: batch, columns: h)
        guard length > 0 else {
            previous = []
            gateR = []
            gateZ = []
            gateN = []
            recurrentN = []
            return state
        }
        let projected = try Matrix.product(Matrix(rows: length * batch, columns: width, values: inputs), inputWeights.value)
        let count = length * batch * h
        var kept = (
            previous: [Float](repeating: 0, count: count), r: [Float](repeating: 0, count: count),
            z: [Float](repeating: 0, count: count), n: [Float](repeating: 0, count: count), rn: [Float](repeating: 0, count: count))
        var recurrent = Matrix(rows: batch, columns: h3)
        let rowTokens = tokens
        for t in 0..<length {
            try Matrix.gemm(state, recurrentWeights.value, into: &recurrent)
            let offset = t * batch * h
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
                                                    for row in 0..<batch {
                                                        let s = offset + row * h
                                                        let hRow = hState.baseAddress! + row * h
                                                        (keptPrevious.baseAddress! + s).update(from: hRow, count: h)
                                                        guard rowTokens[t * batch + row] >= 0 else { continue }  // the state passes through
                                                        let giRow = gi.baseAddress! + (t * batch + row) * h3, ghRow = gh.baseAddress! + row * h3
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
        (previous, gateR, gateZ, gateN, recurrentN) = kept
        return state
    }

    /// Backpropagation through time. Per step only the state's gradient needs a GEMM (through U); the
    /// gate gradients are stacked, so the input gradient, both weight gradients and the biases' come from
    /// large GEMMs and sums after the loop.
    public func backward(_ gradient: Matrix) throws -> Matrix {
        let h = hidden, h3 = 3 * hidden
        let width = embeddings.value.columns
        guard steps > 0 else { return Matrix(rows: batch, columns: 0) }
        var dh = gradient
        var inputGradient = Matrix(rows: steps * batch, columns: h3)  // d(x·W + b_i), step-major
        var stateGradient = Matrix(rows: steps * batch, columns: h3)  // d(h·U + b_h)
        let (rowTokens, keptR, keptZ, keptN, keptPrevious, keptRN) = (tokens, gateR, gateZ, gateN, previous, recurrentN)
        for t in (0..<steps).reversed() {
            var carried = dh
            let offset = t * batch * h
            inputGradient.values.withUnsafeMutableBufferPointer { dgi in
                stateGradient.values.withUnsafeMutableBufferPointer { dgh in
                    for row in 0..<batch where rowTokens[t * batch + row] >= 0 {
                        let s = offset + row * h
                        let dgiRow = dgi.baseAddress! + (t * batch + row) * h3, dghRow = dgh.baseAddress! + (t * batch + row) * h3
                        var c = 0
                        while c < h {
                            let k = min(8, h - c)
                            let (r, z, n) = (
                                keptR.withUnsafeBufferPointer { Self.load($0.baseAddress! + s + c, k) },
                                keptZ.withUnsafeBufferPointer { Self.load($0.baseAddress! + s + c, k) },
                                keptN.withUnsafeBufferPointer { Self.load($0.baseAddress! + s + c, k) })
                            let old = keptPrevious.withUnsafeBufferPointer { Self.load($0.baseAddress! + s + c, k) }
                            let rn = keptRN.withUnsafeBufferPointer { Self.load($0.baseAddress! + s + c, k) }
                            let g = dh.values.withUnsafeBufferPointer { Self.load($0.baseAddress! + row * h + c, k) }
                            carried.values.withUnsafeMutableBufferPointer { Self.store(g * z, $0.baseAddress! + row * h + c, k) }
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
            // The state's gradient flows back through U.
            let stepGradient = stateGradient.gatherRows((t * batch)..<((t + 1) * batch))
            try Matrix.gemm(stepGradient, recurrentWeights.value, transposeB: .transposed, beta: 1, into: &carried)
            dh = carried
        }
        let rows = steps * batch
        try Matrix.gemm(
            Matrix(rows: rows, columns: h, values: previous), stateGradient, transposeA: .transposed, beta: 1, into: &recurrentWeights.gradient)
        let stackedInputs = try Matrix(rows: rows, columns: width, values: inputs)
        try Matrix.gemm(stackedInputs, inputGradient, transposeA: .transposed, beta: 1, into: &inputWeights.gradient)
        // Inactive rows' gate gradients are zero, so plain column sums give the biases' gradients.
        // (Through pointers taken once: an element access to a class's stored array per addition would
        // pay a dynamic exclusivity check each time.)
        Self.addColumnSums(inputGradient, into: &inputBias.gradient)
        Self.addColumnSums(stateGradient, into: &recurrentBias.gradient)
        let dInput = try Matrix.product(inputGradient, inputWeights.value, transposeB: .transposed)
        embeddings.gradient.values.withUnsafeMutableBufferPointer { table in
            dInput.values.withUnsafeBufferPointer { d in
                for index in 0..<rows where rowTokens[index] >= 0 {
                    let target = table.baseAddress! + Int(rowTokens[index]) * width, source = d.baseAddress! + index * width
                    for c in 0..<width { target[c] += source[c] }
                }
            }
        }
        // Token ids have no gradient; nothing sits below this layer.
        return Matrix(rows: batch, columns: 0)
    }
}
