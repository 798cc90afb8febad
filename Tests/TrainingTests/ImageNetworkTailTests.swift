import Numerics
import Testing
import Training

/// The fine-tuned image network's backward passes against central finite differences, kernel by kernel
/// and through whole blocks.
@Suite struct ImageNetworkTailTests {
    /// A small tail with every kind of block: a strided expansion block, a residual 5×5 block and one
    /// without expansion, then the head.
    static let architecture = ImageTailArchitecture(
        height: 5, width: 5, channels: 3,
        blocks: [
            .init(input: 3, expanded: 8, output: 4, kernel: 3, stride: 2, residual: false),
            .init(input: 4, expanded: 6, output: 4, kernel: 5, stride: 1, residual: true),
            .init(input: 4, expanded: nil, output: 5, kernel: 3, stride: 1, residual: false),
        ],
        headOutput: 6)

    /// Weights with biases that keep most ReLU6 units between their clamps, so few finite differences straddle a kink.
    static func weights(seed: UInt64) throws -> [String: Matrix] {
        let tail = try ImageNetworkTail(name: "t", architecture: architecture)
        var result: [String: Matrix] = [:]
        for (index, name) in ImageNetworkTail.parameterNames(architecture).enumerated() {
            let shape = tail.parameters[index].value
            var m = GradientCheckTests.random(shape.rows, shape.columns, seed: seed + UInt64(index), scale: 0.4)
            if name.hasSuffix(".bias") { for i in m.values.indices { m.values[i] = 1 + 0.5 * m.values[i] } }
            result[name] = m
        }
        return result
    }

    @Test func depthwiseGradients() throws {
        for (kernel, stride, size) in [(3, 1, 5), (3, 2, 5), (5, 2, 6), (5, 1, 4)] {
            let c = 3
            let x = GradientCheckTests.random(2, size * size * c, seed: 31, scale: 1)
            let w = GradientCheckTests.random(kernel * kernel, c, seed: 32, scale: 1)
            let b = GradientCheckTests.random(1, c, seed: 33, scale: 1)
            func forward(_ x: Matrix, _ w: Matrix, _ b: Matrix) -> [Float] {
                ConvolutionKernels.depthwise(
                    x.values, batch: 2, height: size, width: size, channels: c, kernel: kernel, stride: stride, weight: w.values, bias: b.values,
                    relu6: false).output
            }
            let y = forward(x, w, b)
            let r = GradientCheckTests.random(1, y.count, seed: 34)
            func loss(_ y: [Float]) -> Float { zip(y, r.values).reduce(0) { $0 + $1.0 * $1.1 } }
            var dw = [Float](repeating: 0, count: w.values.count), db = [Float](repeating: 0, count: c)
            let dx = ConvolutionKernels.depthwiseBackward(
                r.values, input: x.values, batch: 2, height: size, width: size, channels: c, kernel: kernel, stride: stride,
                weight: w.values, weightGradient: &dw, biasGradient: &db)
            GradientCheckTests.check(x, gradient: try Matrix(rows: 2, columns: x.columns, values: dx), step: 1e-2) { loss(forward($0, w, b)) }
            GradientCheckTests.check(w, gradient: try Matrix(rows: w.rows, columns: c, values: dw), step: 1e-2) { loss(forward(x, $0, b)) }
            GradientCheckTests.check(b, gradient: try Matrix(rows: 1, columns: c, values: db), step: 1e-2) { loss(forward(x, w, $0)) }
            // The forward kernel with ReLU6 is the linear one clamped.
            let clamped = ConvolutionKernels.depthwise(
                x.values, batch: 2, height: size, width: size, channels: c, kernel: kernel, stride: stride, weight: w.values, bias: b.values)
            #expect(clamped.output == y.map { min(max($0, 0), 6) })
        }
    }

    @Test func pointwiseGradients() throws {
        let (pixels, input, output) = (7, 4, 3)
        let x = GradientCheckTests.random(pixels, input, seed: 41)
        let w = GradientCheckTests.random(input, output, seed: 42)
        let b = GradientCheckTests.random(1, output, seed: 43)
        let r = GradientCheckTests.random(pixels, output, seed: 44)
        func loss(_ x: Matrix, _ w: Matrix, _ b: Matrix) -> Float {
            let y = ConvolutionKernels.pointwise(x.values, pixels: pixels, input: input, weight: w.values, bias: b.values, output: output, relu6: false)
            return zip(y, r.values).reduce(0) { $0 + $1.0 * $1.1 }
        }
        var dw = [Float](repeating: 0, count: input * output), db = [Float](repeating: 0, count: output)
        let dx = ConvolutionKernels.pointwiseBackward(
            r.values, input: x.values, pixels: pixels, input: input, output: output, weight: w.values,
            weightGradient: &dw, biasGradient: &db, inputGradient: true)
        GradientCheckTests.check(x, gradient: try Matrix(rows: pixels, columns: input, values: dx ?? []), step: 1e-2) { loss($0, w, b) }
        GradientCheckTests.check(w, gradient: try Matrix(rows: input, columns: output, values: dw), step: 1e-2) { loss(x, $0, b) }
        GradientCheckTests.check(b, gradient: try Matrix(rows: 1, columns: output, values: db), step: 1e-2) { loss(x, w, $0) }
        // Without the input gradient only the weights' are computed.
        #expect(ConvolutionKernels.pointwiseBackward(
            r.values, input: x.values, pixels: pixels, input: input, output: output, weight: w.values,
            weightGradient: &dw, biasGradient: &db, inputGradient: false) == nil)
    }

    @Test func averagePoolGradients() throws {
        let x = GradientCheckTests.random(2, 5 * 3, seed: 51)
        let r = GradientCheckTests.random(2, 3, seed: 52)
        let dx = ConvolutionKernels.averagePoolBackward(r.values, batch: 2, pixels: 5, channels: 3)
        GradientCheckTests.check(x, gradient: try Matrix(rows: 2, columns: 15, values: dx), step: 1e-2) { x in
            zip(ConvolutionKernels.averagePool(x.values, batch: 2, pixels: 5, channels: 3), r.values).reduce(0) { $0 + $1.0 * $1.1 }
        }
    }

    @Test func relu6PassesGradientOnlyBetweenItsClamps() {
        var g: [Float] = [1, 1, 1, 1, 1]
        ConvolutionKernels.relu6Backward(&g, output: [0, 0.5, 6, 5.9, 3])
        #expect(g == [0, 1, 0, 1, 1])
    }

    /// Every weight and the input map of whole blocks (ReLU6, residual add, strided depthwise, head, pooling).
    @Test func tailGradients() throws {
        let tail = try ImageNetworkTail(name: "t", architecture: Self.architecture, weights: try Self.weights(seed: 60))
        tail.computesInputGradient = true
        // Three images: the two halves of the batch run on different threads.
        var input = GradientCheckTests.random(3, Self.architecture.inputWidth, seed: 61, scale: 1)
        for i in input.values.indices { input.values[i] = abs(input.values[i]) }
        try GradientCheckTests.checkLayer(tail, input: input, seed: 62)
    }

    @Test func mirrorsAreDrawnInTrainingAndTheFirstHalfServesEvaluation() throws {
        let tail = try ImageNetworkTail(name: "t", architecture: Self.architecture, weights: try Self.weights(seed: 70))
        let width = Self.architecture.inputWidth
        let plain = GradientCheckTests.random(16, width, seed: 71)
        let mirror = GradientCheckTests.random(16, width, seed: 72)
        var both = Matrix(rows: 16, columns: 2 * width)
        for r in 0..<16 {
            for c in 0..<width {
                both[r, c] = plain[r, c]
                both[r, width + c] = mirror[r, c]
            }
        }
        var generator = SeededGenerator(seed: 1)
        let first = try tail.forward(plain, training: false, generator: &generator)
        let second = try tail.forward(mirror, training: false, generator: &generator)
        #expect(try tail.forward(both, training: false, generator: &generator) == first)
        let drawn = try tail.forward(both, training: true, generator: &generator)
        var fromMirror = 0
        for r in 0..<16 {
            if drawn.row(r) == second.row(r) { fromMirror += 1 } else { #expect(drawn.row(r) == first.row(r)) }
        }
        #expect(fromMirror > 0 && fromMirror < 16)
        // A row of the wrong width is refused with the map's size.
        #expect(throws: TrainingError.self) { try tail.forward(Matrix(rows: 2, columns: width + 1), training: false, generator: &generator) }
    }
}
