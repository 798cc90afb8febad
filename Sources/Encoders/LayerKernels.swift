import Dispatch
import Foundation
import Numerics

/// Row-wise kernels of the transformer encoder on row-major buffers.
enum LayerKernels {
    /// `y = x · Wᵀ + b` for `x` (`rows × input`) and `W` stored as PyTorch does (`output × input`).
    static func linear(_ x: [Float], rows: Int, input: Int, weight: [Float], bias: [Float]) -> [Float] {
        let output = bias.count
        var y = [Float](repeating: 0, count: rows * output)
        BLAS.sgemm(
            transposeA: false, transposeB: true, m: rows, n: output, k: input, a: x, lda: input, b: weight, ldb: input,
            c: &y, ldc: output)
        ConvolutionKernels.addBias(&y, bias, relu6: false)
        return y
    }

    /// In place: `x ← LayerNorm(x + residual) · γ + β` per row, with the biased variance and `eps`.
    static func addAndNormalize(_ x: inout [Float], residual: [Float]?, gamma: [Float], beta: [Float], epsilon: Float) {
        let width = gamma.count
        let rows = x.count / width
        x.withUnsafeMutableBufferPointer { px in
            for r in 0..<rows {
                let row = px.baseAddress! + r * width
                if let residual {
                    residual.withUnsafeBufferPointer { pr in
                        let source = pr.baseAddress! + r * width
                        for c in 0..<width { row[c] += source[c] }
                    }
                }
                var mean: Float = 0
                for c in 0..<width { mean += row[c] }
                mean /= Float(width)
                var variance: Float = 0
                for c in 0..<width {
                    let d = row[c] - mean
                    variance += d * d
                }
                variance /= Float(width)
                let inverse = 1 / (variance + epsilon).squareRoot()
                for c in 0..<width { row[c] = (row[c] - mean) * inverse * gamma[c] + beta[c] }
            }
        }
    }

    /// In place: the exact GELU, `x · ½ · (1 + erf(x / √2))`, split over all cores.
    static func gelu(_ x: inout [Float]) {
        let count = x.count
        let chunks = min(8, max(1, count / 4096))
        x.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let base = buffer.baseAddress!
            _ = Parallel.mapChunks(of: count, chunks: chunks) { range in
                FastMath.gelu(UnsafeMutableBufferPointer(start: base + range.lowerBound, count: range.count))
            }
        }
    }
}
