/// Backward passes of the EfficientNet-Lite building blocks, for fine-tuning the network's last blocks.
///
/// Each takes `g = ∂L/∂y` of the layer's output (already multiplied by the derivative of any activation
/// that followed, see ``relu6Backward(_:output:)``), accumulates the gradients of the layer's weights and
/// bias into the caller's buffers, and returns `∂L/∂x` when asked. Buffers are NHWC, as in the forward
/// kernels; every pass is checked against finite differences in `ConvolutionGradientTests`.
extension ConvolutionKernels {
    /// Multiplies `gradient` by ReLU6's derivative, read from the layer's output `y = min(max(x, 0), 6)`:
    /// 1 where `0 < y < 6`, 0 where the clamp was active (PyTorch's `hardtanh` backward does the same).
    ///
    /// - Complexity: O(n).
    public static func relu6Backward(_ gradient: inout [Float], output: [Float]) {
        gradient.withUnsafeMutableBufferPointer { g in
            output.withUnsafeBufferPointer { y in
                for i in 0..<min(g.count, y.count) {
                    let inside = y[i] > 0 && y[i] < 6
                    g[i] = inside ? g[i] : 0
                }
            }
        }
    }

    /// Gradients of the pointwise convolution `y = x·W + b` over `pixels` rows: `∂L/∂W += xᵀ·g`,
    /// `∂L/∂b += Σ_rows g`, and `∂L/∂x = g·Wᵀ` when `inputGradient` is set (nil otherwise).
    ///
    /// - Complexity: two GEMMs of `pixels × input × output` (one without `inputGradient`).
    public static func pointwiseBackward(
        _ gradient: [Float], input x: [Float], pixels: Int, input: Int, output: Int, weight: [Float],
        weightGradient: inout [Float], biasGradient: inout [Float], inputGradient: Bool
    ) -> [Float]? {
        precondition(gradient.count == pixels * output && x.count == pixels * input && weight.count == input * output)
        BLAS.sgemm(
            transposeA: true, transposeB: false, m: input, n: output, k: pixels, a: x, lda: input, b: gradient, ldb: output,
            beta: 1, c: &weightGradient, ldc: output)
        gradient.withUnsafeBufferPointer { pg in
            biasGradient.withUnsafeMutableBufferPointer { pb in
                for r in 0..<pixels {
                    let row = pg.baseAddress! + r * output
                    for c in 0..<output { pb[c] += row[c] }
                }
            }
        }
        guard inputGradient else { return nil }
        var dx = [Float](repeating: 0, count: pixels * input)
        BLAS.sgemm(
            transposeA: false, transposeB: true, m: pixels, n: input, k: output, a: gradient, lda: output, b: weight, ldb: output,
            c: &dx, ldc: input)
        return dx
    }

    /// Gradients of the depthwise k×k convolution with SAME padding and `stride` (before its ReLU6):
    /// `∂L/∂w[ky, kx, c] += Σ g[n, oy, ox, c] · x[n, iy, ix, c]`, `∂L/∂b[c] += Σ g[…, c]`, and the returned
    /// `∂L/∂x[n, iy, ix, c] = Σ g[n, oy, ox, c] · w[ky, kx, c]` over the outputs whose window holds `(iy, ix)`,
    /// where `iy = oy·stride − padTop + ky` (and the same across).
    ///
    /// `gradient` is `[n, ⌈h/s⌉, ⌈w/s⌉, c]`; `x` is the forward input `[n, h, w, c]`.
    ///
    /// - Complexity: O(n · outHeight · outWidth · k² · c), the forward pass's cost twice.
    public static func depthwiseBackward(
        _ gradient: [Float], input x: [Float], batch: Int, height: Int, width: Int, channels: Int,
        kernel: Int, stride: Int, weight: [Float], weightGradient: inout [Float], biasGradient: inout [Float]
    ) -> [Float] {
        let window = SameWindow(height: height, width: width, kernel: kernel, stride: stride)
        let (outHeight, outWidth) = (window.outHeight, window.outWidth)
        precondition(gradient.count == batch * outHeight * outWidth * channels && x.count == batch * height * width * channels)
        precondition(weight.count == kernel * kernel * channels && weightGradient.count == weight.count && biasGradient.count == channels)
        var dx = [Float](repeating: 0, count: x.count)
        gradient.withUnsafeBufferPointer { pg in
            x.withUnsafeBufferPointer { px in
                weight.withUnsafeBufferPointer { pw in
                    weightGradient.withUnsafeMutableBufferPointer { pdw in
                        biasGradient.withUnsafeMutableBufferPointer { pdb in
                            dx.withUnsafeMutableBufferPointer { pdx in
                                let g = pg.baseAddress!, input = px.baseAddress!, weights = pw.baseAddress!
                                let dWeights = pdw.baseAddress!, dBias = pdb.baseAddress!, dInput = pdx.baseAddress!
                                for rowIndex in 0..<(batch * outHeight) {
                                    let n = rowIndex / outHeight
                                    let oy = rowIndex % outHeight
                                    for ox in 0..<outWidth {
                                        let o = g + ((n * outHeight + oy) * outWidth + ox) * channels
                                        for c in 0..<channels { dBias[c] += o[c] }
                                        window.forEachTap(n: n, oy: oy, ox: ox) { pixel, tap in
                                            let i = input + pixel * channels, di = dInput + pixel * channels
                                            let w = weights + tap * channels, dw = dWeights + tap * channels
                                            for c in 0..<channels {
                                                dw[c] += o[c] * i[c]
                                                di[c] += o[c] * w[c]
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
        return dx
    }

    /// Global average pooling of `[n, pixels, c]` to `[n, c]`.
    ///
    /// - Complexity: O(n · pixels · c).
    public static func averagePool(_ x: [Float], batch: Int, pixels: Int, channels: Int) -> [Float] {
        var pooled = [Float](repeating: 0, count: batch * channels)
        let scale = 1 / Float(pixels)
        x.withUnsafeBufferPointer { px in
            pooled.withUnsafeMutableBufferPointer { pp in
                for n in 0..<batch {
                    let out = pp.baseAddress! + n * channels
                    for p in 0..<pixels {
                        let row = px.baseAddress! + (n * pixels + p) * channels
                        for c in 0..<channels { out[c] += row[c] }
                    }
                    for c in 0..<channels { out[c] *= scale }
                }
            }
        }
        return pooled
    }

    /// The gradient of ``averagePool(_:batch:pixels:channels:)``: each pixel gets `g[n, c] / pixels`.
    public static func averagePoolBackward(_ gradient: [Float], batch: Int, pixels: Int, channels: Int) -> [Float] {
        var dx = [Float](repeating: 0, count: batch * pixels * channels)
        let scale = 1 / Float(pixels)
        for n in 0..<batch {
            for p in 0..<pixels {
                let base = (n * pixels + p) * channels
                for c in 0..<channels { dx[base + c] = gradient[n * channels + c] * scale }
            }
        }
        return dx
    }
}
