import Numerics

/// A trainable tensor and its gradient, as a matrix.
public final class Parameter: @unchecked Sendable {
    /// A stable name, used in checkpoints (`image.0.weight`).
    public let name: String
    /// The current value.
    public var value: Matrix
    /// The gradient accumulated by the last backward pass.
    public var gradient: Matrix
    /// This parameter's learning rate as a multiple of the optimiser's (fine-tuned image-network weights
    /// train slower than the towers).
    public var learningRateScale: Float = 1

    /// Creates a parameter with a zero gradient.
    public init(name: String, value: Matrix) {
        self.name = name
        self.value = value
        self.gradient = Matrix(rows: value.rows, columns: value.columns)
    }

    /// Sets the gradient to zero.
    public func zeroGradient() {
        gradient.values.withUnsafeMutableBufferPointer { $0.update(repeating: 0) }
    }
}

/// A layer with a forward pass that caches what its backward pass needs.
public protocol Layer: AnyObject {
    /// `y = f(x)` for a batch (one row per item).
    func forward(_ x: Matrix, training: Bool, generator: inout SeededGenerator) throws -> Matrix
    /// Given `∂L/∂y` for the last forward batch, accumulates parameter gradients and returns `∂L/∂x`.
    func backward(_ gradient: Matrix) throws -> Matrix
    /// The trainable parameters.
    var parameters: [Parameter] { get }
    /// ``backward(_:)`` for the first layer of a tower whose input is data: only the parameter gradients,
    /// returning an empty `rows × 0` matrix (a layer may skip the input gradient's work).
    func backwardToParameters(_ gradient: Matrix) throws -> Matrix
}

extension Layer {
    public func backwardToParameters(_ gradient: Matrix) throws -> Matrix {
        _ = try backward(gradient)
        return Matrix(rows: gradient.rows, columns: 0)
    }
}

/// `y = x·W + b`, with `W` of shape `input × output`.
/// How a linear layer starts.
public enum LinearInitialization: String, Codable, Sendable, CaseIterable {
    /// Weights and biases uniform in ±1/√input.
    case pytorch
    /// Xavier-uniform weights, biases 0.1.
    case xavier
}

public final class Linear: Layer {
    /// The weight, `input × output`.
    public let weight: Parameter
    /// The bias, `1 × output`.
    public let bias: Parameter
    private var input = Matrix(rows: 0, columns: 0)

    /// Initialises `W` and `b` as `initialization` says: uniformly in ±√(1/input) both (PyTorch's
    /// default), or `W` uniformly in ±√(6/(input + output)) (Xavier/Glorot) and `b` = 0.1, as the first
    /// work's code initialises its projections.
    public init(
        name: String, input: Int, output: Int, initialization: LinearInitialization = .pytorch, generator: inout SeededGenerator
    ) {
        let defaultBound = 1 / Float(input).squareRoot()
        let bound = initialization == .xavier ? (6 / Float(input + output)).squareRoot() : defaultBound
        var w = Matrix(rows: input, columns: output)
        for i in w.values.indices { w.values[i] = (generator.uniformFloat() * 2 - 1) * bound }
        var b = Matrix(rows: 1, columns: output)
        for i in b.values.indices { b.values[i] = initialization == .xavier ? 0.1 : (generator.uniformFloat() * 2 - 1) * defaultBound }
        weight = Parameter(name: "\(name).weight", value: w)
        bias = Parameter(name: "\(name).bias", value: b)
    }

    public var parameters: [Parameter] { [weight, bias] }

    public func forward(_ x: Matrix, training: Bool, generator: inout SeededGenerator) throws -> Matrix {
        input = x
        // A training batch against weights changed by every update: packed by our kernel's simple copy rather
        // than BLAS's (3% of a GRU training step); evaluation's larger blocks go to BLAS.
        var y = x.rows <= 256 ? try PackedMatrix(weight.value).product(x) : try Matrix.product(x, weight.value)
        let columns = y.columns
        // Through pointers: an element access to a class's stored array pays an exclusivity check each time.
        y.values.withUnsafeMutableBufferPointer { out in
            bias.value.values.withUnsafeBufferPointer { b in
                for r in 0..<y.rows {
                    for c in 0..<columns { out[r * columns + c] += b[c] }
                }
            }
        }
        return y
    }

    public func backward(_ gradient: Matrix) throws -> Matrix {
        try backwardToParameters(gradient)
        return try Matrix.product(gradient, weight.value, transposeB: .transposed)
    }

    /// The weight and bias gradients without the input's (`x·W`'s input gradient is a GEMM as large as the
    /// weight gradient, wasted on data).
    @discardableResult
    public func backwardToParameters(_ gradient: Matrix) throws -> Matrix {
        try Matrix.gemm(input, gradient, transposeA: .transposed, beta: 1, into: &weight.gradient)
        let columns = gradient.columns
        bias.gradient.values.withUnsafeMutableBufferPointer { b in
            gradient.values.withUnsafeBufferPointer { g in
                for r in 0..<gradient.rows {
                    for c in 0..<columns { b[c] += g[r * columns + c] }
                }
            }
        }
        return Matrix(rows: gradient.rows, columns: 0)
    }
}

/// `y = max(x, 0) + a·min(x, 0)` with one learned slope `a` (PyTorch's `nn.PReLU()`, a = 0.25 at start).
public final class PReLU: Layer {
    /// The negative slope, `1 × 1`.
    public let slope: Parameter
    private var input = Matrix(rows: 0, columns: 0)

    /// Creates the layer with slope 0.25.
    public init(name: String) {
        slope = Parameter(name: "\(name).slope", value: Matrix(rows: 1, columns: 1, repeating: 0.25))
    }

    public var parameters: [Parameter] { [slope] }

    public func forward(_ x: Matrix, training: Bool, generator: inout SeededGenerator) throws -> Matrix {
        input = x
        let a = slope.value.values[0]
        var y = x
        y.values.withUnsafeMutableBufferPointer { out in
            for i in out.indices where out[i] < 0 { out[i] *= a }
        }
        return y
    }

    public func backward(_ gradient: Matrix) throws -> Matrix {
        let a = slope.value.values[0]
        var dx = gradient
        var da: Float = 0
        // Through pointers: an element access to a class's stored array pays an exclusivity check each time.
        dx.values.withUnsafeMutableBufferPointer { out in
            input.values.withUnsafeBufferPointer { x in
                gradient.values.withUnsafeBufferPointer { g in
                    for i in 0..<min(out.count, x.count) where x[i] < 0 {
                        da += g[i] * x[i]
                        out[i] *= a
                    }
                }
            }
        }
        slope.gradient.values[0] += da
        return dx
    }
}

/// `y = max(x, 0)`.
public final class ReLU: Layer {
    private var input = Matrix(rows: 0, columns: 0)

    /// Creates the layer.
    public init() {}

    public var parameters: [Parameter] { [] }

    public func forward(_ x: Matrix, training: Bool, generator: inout SeededGenerator) throws -> Matrix {
        input = x
        var y = x
        for i in y.values.indices where y.values[i] < 0 { y.values[i] = 0 }
        return y
    }

    public func backward(_ gradient: Matrix) throws -> Matrix {
        var dx = gradient
        for i in dx.values.indices where input.values[i] <= 0 { dx.values[i] = 0 }
        return dx
    }
}

/// Inverted dropout: in training, each element is zeroed with probability `p` and the rest scaled
/// by `1 / (1 − p)`; at evaluation it is the identity.
public final class Dropout: Layer {
    /// The drop probability.
    public let probability: Float
    private var mask: [Float] = []

    /// Creates the layer.
    public init(probability: Float) { self.probability = probability }

    public var parameters: [Parameter] { [] }

    public func forward(_ x: Matrix, training: Bool, generator: inout SeededGenerator) throws -> Matrix {
        guard training, probability > 0 else {
            mask = []
            return x
        }
        let keep = 1 / (1 - probability)
        mask = (0..<x.values.count).map { _ in generator.uniformFloat() < probability ? 0 : keep }
        return Self.scaled(x, by: mask)
    }

    public func backward(_ gradient: Matrix) throws -> Matrix {
        guard !mask.isEmpty else { return gradient }
        return Self.scaled(gradient, by: mask)
    }

    /// `x ⊙ mask`, element by element through pointers.
    private static func scaled(_ x: Matrix, by mask: [Float]) -> Matrix {
        var y = x
        y.values.withUnsafeMutableBufferPointer { out in
            mask.withUnsafeBufferPointer { m in
                for i in 0..<min(out.count, m.count) { out[i] *= m[i] }
            }
        }
        return y
    }
}

/// `y = x / ‖x‖₂` per row.
///
/// Backward: `∂L/∂x = (g − y·⟨y, g⟩) / ‖x‖`, the gradient's component orthogonal to `y`.
public final class L2Normalize: Layer {
    private var output = Matrix(rows: 0, columns: 0)
    private var norms: [Float] = []

    /// Creates the layer.
    public init() {}

    public var parameters: [Parameter] { [] }

    public func forward(_ x: Matrix, training: Bool, generator: inout SeededGenerator) throws -> Matrix {
        var y = x
        norms = y.normalizeRows()
        output = y
        return y
    }

    public func backward(_ gradient: Matrix) throws -> Matrix {
        var dx = gradient
        let columns = dx.columns
        for r in 0..<dx.rows {
            var projection: Float = 0
            for c in 0..<columns { projection += output.values[r * columns + c] * gradient.values[r * columns + c] }
            let inverse = 1 / max(norms[r], 1e-12)
            for c in 0..<columns {
                dx.values[r * columns + c] = (gradient.values[r * columns + c] - output.values[r * columns + c] * projection) * inverse
            }
        }
        return dx
    }
}

/// A stack of layers run in order.
public final class Tower {
    /// The layers, input first.
    public let layers: [Layer]

    /// Creates a tower.
    public init(layers: [Layer]) { self.layers = layers }

    /// Every layer's parameters, in order.
    public var parameters: [Parameter] { layers.flatMap(\.parameters) }

    /// Runs every layer forward.
    public func forward(_ x: Matrix, training: Bool, generator: inout SeededGenerator) throws -> Matrix {
        var y = x
        for layer in layers { y = try layer.forward(y, training: training, generator: &generator) }
        return y
    }

    /// Runs every layer backward, accumulating parameter gradients, and returns the input's gradient, or
    /// (without `inputGradient`, for a tower over data) an empty matrix, skipping the first layer's share.
    @discardableResult
    public func backward(_ gradient: Matrix, inputGradient: Bool = true) throws -> Matrix {
        var g = gradient
        for (index, layer) in layers.enumerated().reversed() {
            g = try index == 0 && !inputGradient ? layer.backwardToParameters(g) : layer.backward(g)
        }
        return g
    }
}
