import Dispatch
import Foundation
import Numerics
import TensorFiles

/// EfficientNet-Lite0 (Tan & Le, 2019; the "lite" variant without squeeze-excitation, with ReLU6)
/// as a feature extractor: 224×224 RGB in, the 1280-d globally pooled head features out, and the
/// 1000 ImageNet logits on request.
///
/// Inputs are mapped as `(x − 127) / 128`; convolutions use TensorFlow "SAME" padding; BatchNorm
/// (ε = 1e-3) is folded into the convolution weights when the model is loaded.
public struct EfficientNetLite0: Sendable {
    /// The side of the square input the network expects.
    public static let inputSize = 224
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

    // Stride of each of the 16 MBConv blocks (stages 1–7 repeat 1, 2, 2, 3, 3, 4, 1 times).
    static let blockStrides = [1, 2, 1, 2, 1, 2, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1]
    static let batchNormEpsilon: Float = 1e-3

    let stemWeight: [Float]  // 27 × 32, rows (ky, kx, c)
    let stemBias: [Float]
    let blocks: [Block]
    let head: Pointwise
    let classifierWeight: Matrix  // 1000 × 1280
    let classifierBias: [Float]

    /// Loads the weights from a safetensors file with the parameter names of the PyTorch checkpoint.
    public init(weightsFile: URL) throws {
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
        for (index, stride) in Self.blockStrides.enumerated() {
            let prefix = "_blocks.\(index)"
            let expand = archive.tensors["\(prefix)._expand_conv.weight"] == nil
                ? nil : try pointwise("\(prefix)._expand_conv", "\(prefix)._bn0")
            let dw = try depthwise("\(prefix)._depthwise_conv", "\(prefix)._bn1", stride: stride)
            let project = try pointwise("\(prefix)._project_conv", "\(prefix)._bn2")
            let input = expand?.input ?? dw.channels
            blocks.append(Block(
                expand: expand, depthwise: dw, project: project,
                residual: stride == 1 && input == project.output))
        }
        self.blocks = blocks
        self.head = try pointwise("_conv_head", "_bn1")
        self.classifierWeight = try archive.tensor("_fc.weight", file: file).matrix()
        self.classifierBias = try values("_fc.bias")
    }

    /// The network input for one image: resized to 224×224 if needed, mapped to `(x − 127) / 128`.
    static func inputTensor(_ image: RGBImage) -> [Float] {
        let resized = image.resizedBilinear(width: inputSize, height: inputSize)
        return resized.pixels.map { (Float($0) - 127) / 128 }
    }

    /// The 1280-d pooled features of each image, one row per image.
    ///
    /// The batch is split between `workers` threads that each run the whole network on their share
    /// with single-threaded BLAS: one stream per core keeps both cores busy through the depthwise
    /// layers too, where multi-threaded BLAS would leave its helper threads spinning.
    ///
    /// - Complexity: about 0.4 GFLOP per image, mostly in GEMM.
    public func features(_ images: [RGBImage], workers: Int = ProcessInfo.processInfo.activeProcessorCount) -> Matrix {
        let streams = max(1, min(workers, images.count))
        if streams == 1 { return forward(images, deadline: .never) ?? Matrix(rows: 0, columns: Self.featureDimension) }
        let parts = BLASThreads.with(1) {
            Parallel.mapChunks(of: images.count, chunks: streams) { range in
                forward(Array(images[range]), deadline: .never) ?? Matrix(rows: 0, columns: Self.featureDimension)
            }
        }
        var result = Matrix(rows: images.count, columns: Self.featureDimension)
        result.values.removeAll(keepingCapacity: true)
        for part in parts { result.values += part.values }
        return result
    }

    /// The features of `images` on the calling thread, stopping between blocks once `deadline` passes.
    public func features(_ images: [RGBImage], deadline: Deadline) throws(DeadlineExceeded) -> Matrix {
        guard let features = forward(images, deadline: deadline) else { throw DeadlineExceeded() }
        return features
    }

    /// The features of a batch on the calling thread, or nil when `deadline` passed between two blocks.
    func forward(_ images: [RGBImage], deadline: Deadline) -> Matrix? {
        let batch = images.count
        guard batch > 0 else { return Matrix(rows: 0, columns: Self.featureDimension) }
        var x = images.flatMap(Self.inputTensor)
        var (height, width, channels) = (Self.inputSize, Self.inputSize, 3)

        let stem = ConvolutionKernels.im2col(x, batch: batch, height: height, width: width, channels: 3, kernel: 3, stride: 2)
        (height, width) = (stem.height, stem.width)
        x = ConvolutionKernels.pointwise(
            stem.patches, pixels: batch * height * width, input: 27, weight: stemWeight, bias: stemBias,
            output: 32, relu6: true)
        channels = 32

        for block in blocks {
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
        let headOutput = ConvolutionKernels.pointwise(
            x, pixels: batch * height * width, input: channels, weight: head.weight, bias: head.bias,
            output: head.output, relu6: true)
        // Global average pool over the final map.
        var pooled = Matrix(rows: batch, columns: head.output)
        let pixels = height * width
        for n in 0..<batch {
            for p in 0..<pixels {
                let base = (n * pixels + p) * head.output
                for c in 0..<head.output { pooled.values[n * head.output + c] += headOutput[base + c] }
            }
        }
        let scale = 1 / Float(pixels)
        for i in pooled.values.indices { pooled.values[i] *= scale }
        return pooled
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
