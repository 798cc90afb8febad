import Numerics

/// The last MBConv blocks and the head of EfficientNet-Lite as a trainable layer: a cached feature map
/// in, the globally pooled head features out.
///
/// BatchNorm is folded into the convolutions and stays frozen (its statistics fixed, the usual choice
/// when fine-tuning with small batches), so each block is `ReLU6(x·Wₑ + bₑ)` → `ReLU6(dw(·) + b_d)` →
/// `·W_p + b_p` (`+ x`), and the head is `ReLU6(·W_h + b_h)` averaged over the map.
///
/// Rows are one image's map, `height × width × channels` (NHWC). A row twice as wide holds the image's
/// map and its horizontal mirror's: in training each row takes one of the two with a fair draw from
/// the layer's generator (the first work's random flips); at evaluation the first.
///
/// The batch is split into two halves that run on two threads, each with its own gradient buffers,
/// summed in a fixed order, so results do not depend on the number of cores.
public final class ImageNetworkTail: Layer {
    /// The shape.
    public let architecture: ImageTailArchitecture
    /// Per block: expansion weight and bias (if any), depthwise weight and bias, projection weight and bias.
    let blockParameters: [(expand: (Parameter, Parameter)?, depthwise: (Parameter, Parameter), project: (Parameter, Parameter))]
    let head: (weight: Parameter, bias: Parameter)
    /// Compute `∂L/∂x` in ``backward(_:)`` (gradient checks), and keep the activations of an evaluation
    /// forward pass for it; training skips it, the map being fixed.
    public var computesInputGradient = false
    /// The number of halves a batch is split into.
    static let pieces = 2
    private var passes: [Pass] = []
    private var rowsInPass: [Range<Int>] = []

    /// Creates the layer with `weights` by their short names (`b0.expand.weight`, `head.bias`, …, as
    /// ``parameterNames(_:)`` lists), or zeros for weights that a checkpoint will replace.
    public init(name: String, architecture: ImageTailArchitecture, weights: [String: Matrix] = [:]) throws(TrainingError) {
        try architecture.validate()
        self.architecture = architecture
        func parameter(_ short: String, rows: Int, columns: Int) throws(TrainingError) -> Parameter {
            let value = weights[short] ?? Matrix(rows: rows, columns: columns)
            guard value.rows == rows, value.columns == columns else {
                throw TrainingError("the image network's \(short) is \(value.rows)×\(value.columns), expected \(rows)×\(columns)")
            }
            return Parameter(name: "\(name).\(short)", value: value)
        }
        var blocks: [(expand: (Parameter, Parameter)?, depthwise: (Parameter, Parameter), project: (Parameter, Parameter))] = []
        for (index, block) in architecture.blocks.enumerated() {
            let prefix = "b\(index)"
            var expand: (Parameter, Parameter)?
            if let expanded = block.expanded {
                expand = (
                    try parameter("\(prefix).expand.weight", rows: block.input, columns: expanded),
                    try parameter("\(prefix).expand.bias", rows: 1, columns: expanded))
            }
            let c = block.depthwiseChannels
            blocks.append((
                expand,
                (try parameter("\(prefix).depthwise.weight", rows: block.kernel * block.kernel, columns: c),
                 try parameter("\(prefix).depthwise.bias", rows: 1, columns: c)),
                (try parameter("\(prefix).project.weight", rows: c, columns: block.output),
                 try parameter("\(prefix).project.bias", rows: 1, columns: block.output))))
        }
        blockParameters = blocks
        let last = architecture.blocks.last?.output ?? architecture.channels
        head = (
            try parameter("head.weight", rows: last, columns: architecture.headOutput),
            try parameter("head.bias", rows: 1, columns: architecture.headOutput))
    }

    /// The short names of the weights of `architecture`, in parameter order.
    public static func parameterNames(_ architecture: ImageTailArchitecture) -> [String] {
        var names: [String] = []
        for (index, block) in architecture.blocks.enumerated() {
            let parts = (block.expanded == nil ? [] : ["expand"]) + ["depthwise", "project"]
            for part in parts { names += ["b\(index).\(part).weight", "b\(index).\(part).bias"] }
        }
        return names + ["head.weight", "head.bias"]
    }

    public var parameters: [Parameter] {
        blockParameters.flatMap { block in
            (block.expand.map { [$0.0, $0.1] } ?? []) + [block.depthwise.0, block.depthwise.1, block.project.0, block.project.1]
        } + [head.weight, head.bias]
    }

    public func forward(_ x: Matrix, training: Bool, generator: inout SeededGenerator) throws -> Matrix {
        let single = architecture.inputWidth
        guard x.columns == single || x.columns == 2 * single else {
            throw TrainingError("image inputs are \(x.columns) wide; the fine-tuned network reads maps of \(single) "
                + "(\(architecture.height)×\(architecture.width)×\(architecture.channels)), or twice that with mirrors")
        }
        // Which half of each row: a draw per row in training when mirrors are present.
        let halves: [Int] = x.columns == single ? [Int](repeating: 0, count: x.rows)
            : (0..<x.rows).map { _ in training ? Int(generator.next() >> 63) : 0 }
        let rows = x.rows
        let pieces = max(1, min(Self.pieces, rows))
        rowsInPass = (0..<pieces).map { ($0 * rows / pieces)..<(($0 + 1) * rows / pieces) }
        let ranges = rowsInPass
        let outputs = Parallel.spread(pieces) { piece -> (Pass, [Float]) in
            let range = ranges[piece]
            var input = [Float](repeating: 0, count: range.count * single)
            x.values.withUnsafeBufferPointer { source in
                input.withUnsafeMutableBufferPointer { target in
                    for (offset, row) in range.enumerated() {
                        let from = source.baseAddress! + row * x.columns + halves[row] * single
                        (target.baseAddress! + offset * single).update(from: from, count: single)
                    }
                }
            }
            let pass = Pass(tail: self, batch: range.count)
            let pooled = pass.forward(input)
            return (pass, pooled)
        }
        // Evaluation keeps no activations (a server would hold a batch's worth for nothing), unless a
        // gradient check asks for a backward pass after it.
        passes = training || computesInputGradient ? outputs.map(\.0) : []
        return try Matrix(rows: rows, columns: architecture.headOutput, values: outputs.flatMap(\.1))
    }

    /// Accumulates every weight's gradient; returns `∂L/∂x` (of the halves used) with
    /// ``computesInputGradient``, otherwise an empty matrix: the cached map is not trained.
    public func backward(_ gradient: Matrix) throws -> Matrix {
        guard !passes.isEmpty, gradient.rows == rowsInPass.last?.upperBound ?? 0, gradient.columns == architecture.headOutput else {
            throw TrainingError("the image network's backward pass got a \(gradient.rows)×\(gradient.columns) gradient for its last batch")
        }
        let ranges = rowsInPass
        let wantInput = computesInputGradient
        let results = Parallel.spread(passes.count) { piece -> (gradients: [[Float]], input: [Float]?) in
            let range = ranges[piece]
            let g = Array(gradient.values[(range.lowerBound * gradient.columns)..<(range.upperBound * gradient.columns)])
            return passes[piece].backward(g, inputGradient: wantInput)
        }
        let parameters = self.parameters
        for result in results {
            for (parameter, values) in zip(parameters, result.gradients) {
                parameter.gradient.values.withUnsafeMutableBufferPointer { target in
                    for i in 0..<min(target.count, values.count) { target[i] += values[i] }
                }
            }
        }
        guard wantInput else { return Matrix(rows: 0, columns: 0) }
        return try Matrix(rows: gradient.rows, columns: architecture.inputWidth, values: results.flatMap { $0.input ?? [] })
    }

    /// One half-batch's forward activations and backward pass.
    final class Pass {
        let tail: ImageNetworkTail
        let batch: Int
        /// Per block: its input, the expansion's output, the depthwise output (after ReLU6) and map sizes.
        var inputs: [[Float]] = [], expanded: [[Float]] = [], depthwise: [[Float]] = []
        var sizes: [(height: Int, width: Int, outHeight: Int, outWidth: Int)] = []
        var headInput: [Float] = [], headOutput: [Float] = []
        var pixels = 0

        init(tail: ImageNetworkTail, batch: Int) {
            self.tail = tail
            self.batch = batch
        }

        func forward(_ map: [Float]) -> [Float] {
            var x = map
            var (height, width) = (tail.architecture.height, tail.architecture.width)
            for (shape, weights) in zip(tail.architecture.blocks, tail.blockParameters) {
                inputs.append(x)
                var h = x
                if let (w, b) = weights.expand, let e = shape.expanded {
                    h = ConvolutionKernels.pointwise(
                        x, pixels: batch * height * width, input: shape.input, weight: w.value.values, bias: b.value.values,
                        output: e, relu6: true)
                }
                expanded.append(h)
                let c = shape.depthwiseChannels
                let d = ConvolutionKernels.depthwise(
                    h, batch: batch, height: height, width: width, channels: c, kernel: shape.kernel, stride: shape.stride,
                    weight: weights.depthwise.0.value.values, bias: weights.depthwise.1.value.values)
                depthwise.append(d.output)
                sizes.append((height, width, d.height, d.width))
                var y = ConvolutionKernels.pointwise(
                    d.output, pixels: batch * d.height * d.width, input: c, weight: weights.project.0.value.values,
                    bias: weights.project.1.value.values, output: shape.output, relu6: false)
                if shape.residual { for i in y.indices { y[i] += x[i] } }
                x = y
                (height, width) = (d.height, d.width)
            }
            pixels = height * width
            headInput = x
            headOutput = ConvolutionKernels.pointwise(
                x, pixels: batch * pixels, input: tail.head.weight.value.rows, weight: tail.head.weight.value.values,
                bias: tail.head.bias.value.values, output: tail.architecture.headOutput, relu6: true)
            return ConvolutionKernels.averagePool(headOutput, batch: batch, pixels: pixels, channels: tail.architecture.headOutput)
        }

        /// The gradients of every parameter (in ``ImageNetworkTail/parameters`` order) and `∂L/∂map`.
        func backward(_ gradient: [Float], inputGradient: Bool) -> (gradients: [[Float]], input: [Float]?) {
            let headOut = tail.architecture.headOutput
            var g = ConvolutionKernels.averagePoolBackward(gradient, batch: batch, pixels: pixels, channels: headOut)
            ConvolutionKernels.relu6Backward(&g, output: headOutput)
            var headWeight = [Float](repeating: 0, count: tail.head.weight.value.values.count)
            var headBias = [Float](repeating: 0, count: headOut)
            let headIn = tail.head.weight.value.rows
            let blocks = tail.architecture.blocks
            g = ConvolutionKernels.pointwiseBackward(
                g, input: headInput, pixels: batch * pixels, input: headIn, output: headOut, weight: tail.head.weight.value.values,
                weightGradient: &headWeight, biasGradient: &headBias, inputGradient: !blocks.isEmpty || inputGradient) ?? []
            var blockGradients: [[[Float]]] = []
            for index in blocks.indices.reversed() {
                let shape = blocks[index], weights = tail.blockParameters[index], size = sizes[index]
                let c = shape.depthwiseChannels
                var projectWeight = [Float](repeating: 0, count: c * shape.output)
                var projectBias = [Float](repeating: 0, count: shape.output)
                var gd = ConvolutionKernels.pointwiseBackward(
                    g, input: depthwise[index], pixels: batch * size.outHeight * size.outWidth, input: c, output: shape.output,
                    weight: weights.project.0.value.values, weightGradient: &projectWeight, biasGradient: &projectBias,
                    inputGradient: true) ?? []
                ConvolutionKernels.relu6Backward(&gd, output: depthwise[index])
                var depthwiseWeight = [Float](repeating: 0, count: shape.kernel * shape.kernel * c)
                var depthwiseBias = [Float](repeating: 0, count: c)
                var ge = ConvolutionKernels.depthwiseBackward(
                    gd, input: expanded[index], batch: batch, height: size.height, width: size.width, channels: c,
                    kernel: shape.kernel, stride: shape.stride, weight: weights.depthwise.0.value.values,
                    weightGradient: &depthwiseWeight, biasGradient: &depthwiseBias)
                let needInput = index > 0 || inputGradient
                var own: [[Float]] = []
                var gx: [Float]
                if let (w, _) = weights.expand, let e = shape.expanded {
                    ConvolutionKernels.relu6Backward(&ge, output: expanded[index])
                    var expandWeight = [Float](repeating: 0, count: shape.input * e)
                    var expandBias = [Float](repeating: 0, count: e)
                    gx = ConvolutionKernels.pointwiseBackward(
                        ge, input: inputs[index], pixels: batch * size.height * size.width, input: shape.input, output: e,
                        weight: w.value.values, weightGradient: &expandWeight, biasGradient: &expandBias, inputGradient: needInput) ?? []
                    own = [expandWeight, expandBias]
                } else {
                    gx = ge
                }
                own += [depthwiseWeight, depthwiseBias, projectWeight, projectBias]
                blockGradients.append(own)
                if shape.residual, needInput { for i in gx.indices { gx[i] += g[i] } }
                g = gx
            }
            let gradients = blockGradients.reversed().flatMap { $0 } + [headWeight, headBias]
            return (gradients, inputGradient ? g : nil)
        }
    }
}
