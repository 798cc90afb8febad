
/// The convolution building blocks of EfficientNet-Lite on NHWC float buffers.
///
/// Pointwise (1×1) convolutions are one GEMM over every pixel of the batch; the stem is a GEMM over
/// an im2col copy; depthwise convolutions are direct loops with channels innermost, which the
/// compiler vectorises. All run on the calling thread; parallelism is one stream per core above them.
///
/// The backward passes (for fine-tuning the last blocks) are in `ConvolutionKernels+Backward.swift`.
public enum ConvolutionKernels {
    /// Output size and leading padding of TensorFlow's "SAME" padding: `out = ⌈n / s⌉`,
    /// total padding `max((out − 1)·s + k − n, 0)`, the smaller half before.
    public static func samePadding(size: Int, kernel: Int, stride: Int) -> (output: Int, before: Int) {
        let output = (size + stride - 1) / stride
        let total = max((output - 1) * stride + kernel - size, 0)
        return (output, total / 2)
    }

    /// `y = act(x · W + b)` for `pixels` rows of `x` (`pixels × input`), `W` (`input × output`).
    public static func pointwise(
        _ x: [Float], pixels: Int, input: Int, weight: [Float], bias: [Float], output: Int, relu6: Bool
    ) -> [Float] {
        var y = [Float](repeating: 0, count: pixels * output)
        BLAS.sgemm(
            transposeA: false, transposeB: false, m: pixels, n: output, k: input, a: x, lda: input, b: weight, ldb: output,
            c: &y, ldc: output)
        addBias(&y, bias, relu6: relu6)
        return y
    }

    /// Adds a per-channel bias to every row and optionally clamps to [0, 6].
    public static func addBias(_ y: inout [Float], _ bias: [Float], relu6: Bool) {
        let channels = bias.count
        y.withUnsafeMutableBufferPointer { py in
            bias.withUnsafeBufferPointer { pb in
                let rows = py.count / channels
                for r in 0..<rows {
                    let row = py.baseAddress! + r * channels
                    if relu6 {
                        for c in 0..<channels { row[c] = min(max(row[c] + pb[c], 0), 6) }
                    } else {
                        for c in 0..<channels { row[c] += pb[c] }
                    }
                }
            }
        }
    }

    /// Depthwise k×k convolution with stride `stride`, SAME padding, bias and (unless `relu6` is false, for
    /// gradient checks of the linear part) ReLU6, on `[n, h, w, c]`.
    public static func depthwise(
        _ x: [Float], batch: Int, height: Int, width: Int, channels: Int,
        kernel: Int, stride: Int, weight: [Float], bias: [Float], relu6: Bool = true
    ) -> (output: [Float], height: Int, width: Int) {
        let window = SameWindow(height: height, width: width, kernel: kernel, stride: stride)
        let (outHeight, outWidth) = (window.outHeight, window.outWidth)
        var y = [Float](repeating: 0, count: batch * outHeight * outWidth * channels)
        x.withUnsafeBufferPointer { px in
            weight.withUnsafeBufferPointer { pw in
                bias.withUnsafeBufferPointer { pb in
                    y.withUnsafeMutableBufferPointer { py in
                        let input = px.baseAddress!
                        let weights = pw.baseAddress!
                        let biases = pb.baseAddress!
                        let out = py.baseAddress!
                        for rowIndex in 0..<(batch * outHeight) {
                            let n = rowIndex / outHeight
                            let oy = rowIndex % outHeight
                            for ox in 0..<outWidth {
                                let o = out + ((n * outHeight + oy) * outWidth + ox) * channels
                                for c in 0..<channels { o[c] = biases[c] }
                                window.forEachTap(n: n, oy: oy, ox: ox) { pixel, tap in
                                    let i = input + pixel * channels, w = weights + tap * channels
                                    for c in 0..<channels { o[c] += i[c] * w[c] }
                                }
                                if relu6 { for c in 0..<channels { o[c] = min(max(o[c], 0), 6) } }
                            }
                        }
                    }
                }
            }
        }
        return (y, outHeight, outWidth)
    }

    /// Patches of a k×k SAME convolution as rows `(ky, kx, c)`, one row per output pixel.
    public static func im2col(
        _ x: [Float], batch: Int, height: Int, width: Int, channels: Int, kernel: Int, stride: Int
    ) -> (patches: [Float], height: Int, width: Int) {
        let window = SameWindow(height: height, width: width, kernel: kernel, stride: stride)
        let (outHeight, outWidth) = (window.outHeight, window.outWidth)
        let rowLength = kernel * kernel * channels
        var patches = [Float](repeating: 0, count: batch * outHeight * outWidth * rowLength)
        patches.withUnsafeMutableBufferPointer { pp in
            x.withUnsafeBufferPointer { px in
                for n in 0..<batch {
                    for oy in 0..<outHeight {
                        for ox in 0..<outWidth {
                            let row = pp.baseAddress! + ((n * outHeight + oy) * outWidth + ox) * rowLength
                            window.forEachTap(n: n, oy: oy, ox: ox) { pixel, tap in
                                (row + tap * channels).update(from: px.baseAddress! + pixel * channels, count: channels)
                            }
                        }
                    }
                }
            }
        }
        return (patches, outHeight, outWidth)
    }
}
