import CKernels

/// The optimiser's kernel, vectorised for the CPU at run time (AVX-512 or AVX2).
public enum Kernels {
    /// One Adam step on `value` in place, with L2 `decay` added to the gradient (PyTorch's `weight_decay`):
    /// g = ∇ + decay·θ; m ← β₁m + (1−β₁)g; v ← β₂v + (1−β₂)g²; θ ← θ − step·m / (√(v·c₂) + ε), where the
    /// caller folds the bias corrections into `step` (lr / (1 − β₁ᵗ)) and `inverseCorrection2` (1 / (1 − β₂ᵗ)).
    /// Single precision without fused multiply-adds: the same bits on every CPU, and as the scalar formula.
    /// With `clearingGradient`, the gradient is zero afterwards (cleared while still in the cache).
    ///
    /// - Complexity: O(n), one pass over the four buffers.
    public static func adam(
        value: UnsafeMutableBufferPointer<Float>, gradient: UnsafeMutableBufferPointer<Float>, m: UnsafeMutableBufferPointer<Float>,
        v: UnsafeMutableBufferPointer<Float>, beta1: Float, beta2: Float, decay: Float, stepSize: Float, inverseCorrection2: Float,
        epsilon: Float, clearingGradient: Bool = false
    ) {
        let count = min(value.count, gradient.count, m.count, v.count)
        guard count > 0 else { return }
        cm_adam(
            value.baseAddress!, gradient.baseAddress!, m.baseAddress!, v.baseAddress!, count, beta1, beta2, decay, stepSize,
            inverseCorrection2, epsilon, clearingGradient ? 1 : 0)
    }
}
