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

    private struct Step {
        var previous: Matrix
        var r: Matrix
        var z: Matrix
        var n: Matrix
        var recurrentN: Matrix
        var active: [Bool]
        var tokens: [Int]
    }
    private var steps: [Step] = []
    private var batch = 0

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

    @inline(__always) private static func sigmoid(_ x: Float) -> Float { 1 / (1 + exp(-x)) }

    public func forward(_ x: Matrix, training: Bool, generator: inout SeededGenerator) throws -> Matrix {
        batch = x.rows
        let length = x.columns
        let h3 = 3 * hidden
        let width = embeddings.value.columns
        var state = Matrix(rows: batch, columns: hidden)
        steps = []
        steps.reserveCapacity(length)
        for t in 0..<length {
            var tokens = [Int](repeating: -1, count: batch)
            var active = [Bool](repeating: false, count: batch)
            var input = Matrix(rows: batch, columns: width)
            for row in 0..<batch {
                let token = Int(x[row, t])
                guard token >= 0, token < embeddings.value.rows else { continue }
                tokens[row] = token
                active[row] = true
                for c in 0..<width { input.values[row * width + c] = embeddings.value.values[token * width + c] }
            }
            if !active.contains(true) { break }
            let gi = try Matrix.product(input, inputWeights.value)
            let gh = try Matrix.product(state, recurrentWeights.value)
            var step = Step(
                previous: state, r: Matrix(rows: batch, columns: hidden), z: Matrix(rows: batch, columns: hidden),
                n: Matrix(rows: batch, columns: hidden), recurrentN: Matrix(rows: batch, columns: hidden),
                active: active, tokens: tokens)
            var next = state
            for row in 0..<batch where active[row] {
                for c in 0..<hidden {
                    let base = row * h3
                    let r = Self.sigmoid(gi.values[base + c] + inputBias.value.values[c] + gh.values[base + c] + recurrentBias.value.values[c])
                    let z = Self.sigmoid(
                        gi.values[base + hidden + c] + inputBias.value.values[hidden + c]
                            + gh.values[base + hidden + c] + recurrentBias.value.values[hidden + c])
                    let recurrentN = gh.values[base + 2 * hidden + c] + recurrentBias.value.values[2 * hidden + c]
                    let n = tanh(gi.values[base + 2 * hidden + c] + inputBias.value.values[2 * hidden + c] + r * recurrentN)
                    let i = row * hidden + c
                    step.r.values[i] = r
                    step.z.values[i] = z
                    step.n.values[i] = n
                    step.recurrentN.values[i] = recurrentN
                    next.values[i] = (1 - z) * n + z * state.values[i]
                }
            }
            steps.append(step)
            state = next
        }
        return state
    }

    public func backward(_ gradient: Matrix) throws -> Matrix {
        let h3 = 3 * hidden
        let width = embeddings.value.columns
        var dh = gradient
        // Per-step gate gradients and inputs are stacked, so the weight gradients are two large GEMMs
        // after the loop instead of two small ones per step.
        var stackedPrevious: [Float] = []
        var stackedRecurrent: [Float] = []
        var stackedInput: [Float] = []
        var stackedInputGradient: [Float] = []
        for step in steps.reversed() {
            var dgi = Matrix(rows: batch, columns: h3)
            var dgh = Matrix(rows: batch, columns: h3)
            var carried = dh
            for row in 0..<batch where step.active[row] {
                for c in 0..<hidden {
                    let i = row * hidden + c
                    let (r, z, n) = (step.r.values[i], step.z.values[i], step.n.values[i])
                    let g = dh.values[i]
                    let dn = g * (1 - z)
                    let dz = g * (step.previous.values[i] - n)
                    carried.values[i] = g * z
                    let dnPre = dn * (1 - n * n)
                    let drPre = dnPre * step.recurrentN.values[i] * r * (1 - r)
                    let dzPre = dz * z * (1 - z)
                    let base = row * h3
                    dgi.values[base + c] = drPre
                    dgi.values[base + hidden + c] = dzPre
                    dgi.values[base + 2 * hidden + c] = dnPre
                    dgh.values[base + c] = drPre
                    dgh.values[base + hidden + c] = dzPre
                    dgh.values[base + 2 * hidden + c] = dnPre * r
                }
            }
            stackedPrevious += step.previous.values
            stackedRecurrent += dgh.values
            var input = Matrix(rows: batch, columns: width)
            for row in 0..<batch where step.active[row] {
                let token = step.tokens[row]
                for c in 0..<width { input.values[row * width + c] = embeddings.value.values[token * width + c] }
            }
            stackedInput += input.values
            stackedInputGradient += dgi.values
            for row in 0..<batch where step.active[row] {
                for c in 0..<h3 {
                    inputBias.gradient.values[c] += dgi.values[row * h3 + c]
                    recurrentBias.gradient.values[c] += dgh.values[row * h3 + c]
                }
            }
            let dInput = try Matrix.product(dgi, inputWeights.value, transposeB: .transposed)
            for row in 0..<batch where step.active[row] {
                let token = step.tokens[row]
                for c in 0..<width { embeddings.gradient.values[token * width + c] += dInput.values[row * width + c] }
            }
            // The state's gradient flows back through U.
            try Matrix.gemm(dgh, recurrentWeights.value, transposeB: .transposed, beta: 1, into: &carried)
            dh = carried
        }
        let rows = steps.count * batch
        if rows > 0 {
            try Matrix.gemm(
                Matrix(rows: rows, columns: hidden, values: stackedPrevious), Matrix(rows: rows, columns: h3, values: stackedRecurrent),
                transposeA: .transposed, beta: 1, into: &recurrentWeights.gradient)
            try Matrix.gemm(
                Matrix(rows: rows, columns: width, values: stackedInput), Matrix(rows: rows, columns: h3, values: stackedInputGradient),
                transposeA: .transposed, beta: 1, into: &inputWeights.gradient)
        }
        // Token ids have no gradient; nothing sits below this layer.
        return Matrix(rows: batch, columns: 0)
    }
}
