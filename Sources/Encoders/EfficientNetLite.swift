import Dispatch
import Foundation
import Numerics
import TensorFiles

/// EfficientNet-Lite (Tan & Le, 2019; the "lite" variants without squeeze-excitation, with ReLU6) as a
/// feature extractor: a square RGB image in (224×224 for Lite0, 260×260 for Lite2), the 1280-d globally
/// pooled head features out, and the 1000 ImageNet logits on request.
///
/// Inputs are mapped as `(x − 127) / 128`; convolutions use TensorFlow "SAME" padding; BatchNorm
/// (ε = 1e-3) is folded into the convolution weights when the model is loaded. The block structure
/// (how many blocks, their kernels and widths) is read from the weights; strides follow the stages.
public struct EfficientNetLite: Sendable {
    /// The released variants this project reads.
    public enum Variant: String, Sendable, CaseIterable {
        /// 4.7M parameters, 224×224 input.
        case lite0 = "efficientnet-lite0"
        /// 6.1M parameters, 260×260 input.
        case lite2 = "efficientnet-lite2"

        /// The side of the square input the variant expects.
        public var inputSize: Int { self == .lite0 ? 224 : 260 }
    }

    /// The side of the square input the network expects.
    public let inputSize: Int
    /// The length of the feature vector.
    public static let featureDimension = 1280

    struct Pointwise {
        let input: Int, output: Int
        let weight: [Float]  // input × output
        let bias: [Float]
    }

    struct Depthwise {
        let channels: Int, kernel: Int, stride: Int
        let weight: [Float]  // (ky, kx, c)
        let bias: [Float]
    }

    struct Block {
        let expand: Pointwise?
        let depthwise: Depthwise
        let project: Pointwise
        let residual: Bool
    }

    /// The stride of the first block of each of the 7 stages (the others have stride 1).
    static let stageStrides = [1, 2, 2, 2, 1, 2, 1]
    static let batchNormEpsilon: Float = 1e-3

    let stemWeight: [Float]  // 27 × 32, rows (ky, kx, c)
    let stemBias: [Float]
    let blocks: [Block]
    let head: Pointwise
    let classifierWeight: Matrix  // 1000 × 1280
    let classifierBias: [Float]

    /// The number of MBConv blocks.
    public var blockCount: Int { blocks.count }

    /// Loads the weights from a safetensors file with the parameter names of the PyTorch checkpoint.
    ///
    /// A new stage begins where a block's output width differs from the block before it; the first block
    /// of stages 2, 3, 4 and 6 has stride 2.
    public init(weightsFile: URL, variant: Variant = .lite0) throws {
        inputSize = variant.inputSize
        let archive = try SafetensorsFile.read(weightsFile)
        let file = weightsFile.path
        func values(_ name: String) throws -> [Float] { try archive.tensor(name, file: file).floatValues() }
        func shape(_ name: String) throws -> [Int] { try archive.tensor(name, file: file).shape }
        func batchNorm(_ prefix: String) throws -> (scale: [Float], shift: [Float]) {
            let gamma = try values("\(prefix).weight"), beta = try values("\(prefix).bias")
            let mean = try values("\(prefix).running_mean"), variance = try values("\(prefix).running_var")
            let scale = zip(gamma, variance).map { $0 / ($1 + Self.batchNormEpsilon).squareRoot() }
            return (scale, (0..<scale.count).map { beta[$0] - mean[$0] * scale[$0] })
        }
        func pointwise(_ conv: String, _ bn: String) throws -> Pointwise {
            let s = try shape("\(conv).weight")
            let (output, input) = (s[0], s[1])
            let w = try values("\(conv).weight")
            let (scale, shift) = try batchNorm(bn)
            var folded = [Float](repeating: 0, count: input * output)
            for o in 0..<output { for i in 0..<input { folded[i * output + o] = w[o * input + i] * scale[o] } }
            return Pointwise(input: input, output: output, weight: folded, bias: shift)
        }
        func depthwise(_ conv: String, _ bn: String, stride: Int) throws -> Depthwise {
            let s = try shape("\(conv).weight")
            let (channels, kernel) = (s[0], s[2])
            let w = try values("\(conv).weight")
            let (scale, shift) = try batchNorm(bn)
            var folded = [Float](repeating: 0, count: kernel * kernel * channels)
            for c in 0..<channels {
                for k in 0..<(kernel * kernel) { folded[k * channels + c] = w[c * kernel * kernel + k] * scale[c] }
            }
            return Depthwise(channels: channels, kernel: kernel, stride: stride, weight: folded, bias: shift)
        }

        let stem = try values("_conv_stem.weight")  // 32 × 3 × 3 × 3
        let (stemScale, stemShift) = try batchNorm("_bn0")
        var stemWeight = [Float](repeating: 0, count: 27 * 32)
        for o in 0..<32 {
            for c in 0..<3 {
                for ky in 0..<3 {
                    for kx in 0..<3 {
                        stemWeight[((ky * 3 + kx) * 3 + c) * 32 + o] = stem[((o * 3 + c) * 3 + ky) * 3 + kx] * stemScale[o]
                    }
                }
            }
        }
        self.stemWeight = stemWeight
        self.stemBias = stemShift

        var blocks: [Block] = []
        var stage = -1
        var previousOutput = -1
        for index in 0..<256 {
            let prefix = "_blocks.\(index)"
            guard archive.tensors["\(prefix)._depthwise_conv.weight"] != nil else { break }
            let projectShape = try shape("\(prefix)._project_conv.weight")
            guard projectShape.count == 4, projectShape[0] > 0 else { throw EncoderError("\(file): \(prefix) has no valid projection") }
            let firstOfStage = projectShape[0] != previousOutput
            if firstOfStage { stage += 1 }
            previousOutput = projectShape[0]
            guard stage < Self.stageStrides.count else { throw EncoderError("\(file): more than 7 stages of blocks; is this EfficientNet-Lite?") }
            let stride = firstOfStage ? Self.stageStrides[stage] : 1
            let expand = archive.tensors["\(prefix)._expand_conv.weight"] == nil
                ? nil : try pointwise("\(prefix)._expand_conv", "\(prefix)._bn0")
            let dw = try depthwise("\(prefix)._depthwise_conv", "\(prefix)._bn1", stride: stride)
            let project = try pointwise("\(prefix)._project_conv", "\(prefix)._bn2")
            let input = expand?.input ?? dw.channels
            guard (expand?.output ?? input) == dw.channels, project.input == dw.channels,
                blocks.last.map({ $0.project.output == input }) ?? (input == 32)
            else { throw EncoderError("\(file): the widths of \(prefix) do not chain with the blocks around it") }
            blocks.append(Block(
                expand: expand, depthwise: dw, project: project,
                residual: stride == 1 && input == project.output))
        }
        guard !blocks.isEmpty else { throw EncoderError("\(file): no MBConv blocks (_blocks.0…); is this EfficientNet-Lite?") }
        self.blocks = blocks
        self.head = try pointwise("_conv_head", "_bn1")
        self.classifierWeight = try archive.tensor("_fc.weight", file: file).matrix()
        self.classifierBias = try values("_fc.bias")
    }

    /// The network input for one image: resized to the input size if needed, mapped to `(x − 127) / 128`.
    func inputTensor(_ image: RGBImage) -> [Float] {
        let resized = image.resizedBilinear(width: inputSize, height: inputSize)
        return resized.pixels.map { (Float($0) - 127) / 128 }
    }

    /// The 1280-d pooled features of each image, one row per image.
    ///
    /// The batch is split between `workers` threads that each run the whole network on their share
    /// with single-threaded BLAS: one stream per core keeps both cores busy through the depthwise
    /// layers too, where multi-threaded BLAS would leave its helper threads spinning.
    ///
    /// - Complexity: about 0.4 GFLOP per Lite0 image (0.9 for Lite2), mostly in GEMM.
    public func features(_ images: [RGBImage], workers: Int = ProcessInfo.processInfo.activeProcessorCount) -> Matrix {
        rows(images, workers: workers, width: Self.featureDimension) { forward($0, deadline: .never) }
    }

    /// Runs `body` on shares of `images`, one per worker, and stacks the rows it returns.
    private func rows(_ images: [RGBImage], workers: Int, width: Int, _ body: ([RGBImage]) -> Matrix?) -> Matrix {
        let streams = max(1, min(workers, images.count))
        if streams == 1 { return body(images) ?? Matrix(rows: 0, columns: width) }
        let parts = BLASThreads.with(1) {
            Parallel.mapChunks(of: images.count, chunks: streams) { range in
                body(Array(images[range])) ?? Matrix(rows: 0, columns: width)
            }
        }
        var result = Matrix(rows: images.count, columns: width)
        result.values.removeAll(keepingCapacity: true)
        for part in parts { result.values += part.values }
        return result
    }

    /// The features of `images` on the calling thread, stopping between blocks once `deadline` passes.
    public func features(_ images: [RGBImage], deadline: Deadline) throws(DeadlineExceeded) -> Matrix {
        guard let features = forward(images, deadline: deadline) else { throw DeadlineExceeded() }
        return features
    }

    /// The shape of the feature map that the last `blocks` blocks read: height, width and channels.
    public func mapShape(beforeLast blocks: Int) -> (height: Int, width: Int, channels: Int) {
        var size = ConvolutionKernels.samePadding(size: inputSize, kernel: 3, stride: 2).output
        var channels = 32
        for block in self.blocks.prefix(max(0, self.blocks.count - blocks)) {
            size = ConvolutionKernels.samePadding(size: size, kernel: block.depthwise.kernel, stride: block.depthwise.stride).output
            channels = block.project.output
        }
        return (size, size, channels)
    }

    /// The feature map each image gives the last `blocks` blocks (NHWC, one row of
    /// `height × width × channels` per image): the stem and the earlier blocks run once, so that a
    /// fine-tuning run trains the rest on cached maps.
    public func maps(_ images: [RGBImage], beforeLast blocks: Int, workers: Int = ProcessInfo.processInfo.activeProcessorCount) -> Matrix {
        let shape = mapShape(beforeLast: blocks)
        return rows(images, workers: workers, width: shape.height * shape.width * shape.channels) { batch in
            let (map, _, _, _) = prefix(batch, blocks: self.blocks.count - blocks, deadline: .never) ?? ([], 0, 0, 0)
            return try? Matrix(rows: batch.count, columns: shape.height * shape.width * shape.channels, values: map)
        }
    }

    /// The maps of ``maps(_:beforeLast:workers:)`` on the calling thread, stopping once `deadline` passes.
    public func maps(_ images: [RGBImage], beforeLast blocks: Int, deadline: Deadline) throws(DeadlineExceeded) -> Matrix {
        let shape = mapShape(beforeLast: blocks)
        guard let (map, _, _, _) = prefix(images, blocks: self.blocks.count - blocks, deadline: deadline),
            let matrix = try? Matrix(rows: images.count, columns: shape.height * shape.width * shape.channels, values: map)
        else { throw DeadlineExceeded() }
        return matrix
    }

    /// The features of a batch on the calling thread, or nil when `deadline` passed between two blocks.
    func forward(_ images: [RGBImage], deadline: Deadline) -> Matrix? {
        guard !images.isEmpty else { return Matrix(rows: 0, columns: Self.featureDimension) }
        guard let (x, height, width, channels) = prefix(images, blocks: blocks.count, deadline: deadline) else { return nil }
        let headOutput = ConvolutionKernels.pointwise(
            x, pixels: images.count * height * width, input: channels, weight: head.weight, bias: head.bias,
            output: head.output, relu6: true)
        let pooled = ConvolutionKernels.averagePool(headOutput, batch: images.count, pixels: height * width, channels: head.output)
        return try? Matrix(rows: images.count, columns: head.output, values: pooled)
    }

    /// The stem and the first `count` blocks: the map (NHWC) and its height, width and channels.
    func prefix(_ images: [RGBImage], blocks count: Int, deadline: Deadline) -> ([Float], Int, Int, Int)? {
        let batch = images.count
        var x = images.flatMap(inputTensor)
        var (height, width, channels) = (inputSize, inputSize, 3)

        let stem = ConvolutionKernels.im2col(x, batch: batch, height: height, width: width, channels: 3, kernel: 3, stride: 2)
        (height, width) = (stem.height, stem.width)
        x = ConvolutionKernels.pointwise(
            stem.patches, pixels: batch * height * width, input: 27, weight: stemWeight, bias: stemBias,
            output: 32, relu6: true)
        channels = 32

        for block in blocks.prefix(count) {
            if deadline.hasPassed { return nil }
            let input = x
            var h = x
            if let expand = block.expand {
                h = ConvolutionKernels.pointwise(
                    h, pixels: batch * height * width, input: channels, weight: expand.weight, bias: expand.bias,
                    output: expand.output, relu6: true)
            }
            let dw = block.depthwise
            let convolved = ConvolutionKernels.depthwise(
                h, batch: batch, height: height, width: width, channels: dw.channels,
                kernel: dw.kernel, stride: dw.stride, weight: dw.weight, bias: dw.bias)
            (height, width) = (convolved.height, convolved.width)
            h = ConvolutionKernels.pointwise(
                convolved.output, pixels: batch * height * width, input: dw.channels,
                weight: block.project.weight, bias: block.project.bias, output: block.project.output, relu6: false)
            if block.residual {
                for i in h.indices { h[i] += input[i] }
            }
            x = h
            channels = block.project.output
        }
        if deadline.hasPassed { return nil }
        return (x, height, width, channels)
    }

    /// The last `blocks` blocks and the head, as a fine-tuning run starts them: each block's shape and
    /// every folded weight by short name (`b0.expand.weight` …, `head.bias`), as matrices
    /// (pointwise `input × output`, depthwise `k² × channels`, biases `1 × n`).
    public func tail(blocks count: Int) throws -> (blocks: [TailBlock], weights: [String: Matrix]) {
        guard count >= 1, count <= blocks.count else {
            throw EncoderError("this network has \(blocks.count) blocks; fine-tune between 1 and \(blocks.count) of them")
        }
        var shapes: [TailBlock] = []
        var weights: [String: Matrix] = [:]
        for (index, block) in blocks.suffix(count).enumerated() {
            let p = "b\(index)"
            if let expand = block.expand {
                weights["\(p).expand.weight"] = try Matrix(rows: expand.input, columns: expand.output, values: expand.weight)
                weights["\(p).expand.bias"] = try Matrix(rows: 1, columns: expand.output, values: expand.bias)
            }
            let dw = block.depthwise
            weights["\(p).depthwise.weight"] = try Matrix(rows: dw.kernel * dw.kernel, columns: dw.channels, values: dw.weight)
            weights["\(p).depthwise.bias"] = try Matrix(rows: 1, columns: dw.channels, values: dw.bias)
            weights["\(p).project.weight"] = try Matrix(rows: block.project.input, columns: block.project.output, values: block.project.weight)
            weights["\(p).project.bias"] = try Matrix(rows: 1, columns: block.project.output, values: block.project.bias)
            shapes.append(TailBlock(
                input: block.expand?.input ?? dw.channels, expanded: block.expand?.output, output: block.project.output,
                kernel: dw.kernel, stride: dw.stride, residual: block.residual))
        }
        weights["head.weight"] = try Matrix(rows: head.input, columns: head.output, values: head.weight)
        weights["head.bias"] = try Matrix(rows: 1, columns: head.output, values: head.bias)
        return (shapes, weights)
    }

    /// The shape of one block of ``tail(blocks:)``.
    public struct TailBlock: Sendable, Equatable {
        /// Input, expanded (nil: no expansion) and output channels.
        public let input: Int, expanded: Int?, output: Int
        /// The depthwise kernel's side and stride.
        public let kernel: Int, stride: Int
        /// Whether the input is added to the output.
        public let residual: Bool
    }

    /// The 1000 ImageNet logits for pooled features, `features · Wᵀ + b`.
    public func logits(features: Matrix) throws -> Matrix {
        var logits = try Matrix.product(features, classifierWeight, transposeB: .transposed)
        for r in 0..<logits.rows {
            for c in 0..<logits.columns { logits[r, c] += classifierBias[c] }
        }
        return logits
    }
}
