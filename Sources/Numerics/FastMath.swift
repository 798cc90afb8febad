import CKernels
/// Vectorised elementary functions for the activation hot paths, eight lanes at a time.
///
/// Both stay within a few `Float` ulps of the libm functions where it matters for the encoders;
/// the tests compare them with `exp` and `erf` over wide ranges.
public enum FastMath {
    /// `exp(x)` lane by lane: `2ⁿ · p(r)` with `x = n·ln 2 + r`, `|r| ≤ ½ ln 2`, and a degree-6
    /// polynomial for `eʳ`. Relative error below 5e-7 for `x` in [−87, 88.7]; below −87.3 it returns 0,
    /// above 88.7 `+inf`.
    @inlinable
    public static func exp(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let clamped = x.clamped(lowerBound: SIMD8(repeating: -87.3), upperBound: SIMD8(repeating: 88.7))
        // Adding 1.5·2²³ rounds to the nearest integer and leaves it in the low mantissa bits,
        // which avoids the slow generic lane-by-lane conversions.
        let magic = SIMD8<Float>(repeating: 12_582_912)
        let shifted = clamped * 1.442_695_04 + magic
        let n = shifted - magic
        // Two-part ln 2 keeps r accurate.
        let r = clamped - n * 0.693_145_75 - n * 1.428_606_8e-6
        var p = SIMD8<Float>(repeating: 1.0 / 720)
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        // 2ⁿ as two factors 2ᵃ·2ᵇ with a, b in [−64, 64], so neither overflows nor goes subnormal.
        let exponent = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
        let half = exponent &>> 1
        let low = unsafeBitCast((half &+ 127) &<< 23, to: SIMD8<Float>.self)
        let high = unsafeBitCast((exponent &- half &+ 127) &<< 23, to: SIMD8<Float>.self)
        var result = p * low * high
        result.replace(with: 0, where: x .< -87.3)
        result.replace(with: .infinity, where: x .> 88.7)
        return result
    }

    /// `erf(x)` lane by lane (Abramowitz & Stegun 7.1.26 with the sign restored); absolute error
    /// below 5e-7 in `Float` arithmetic (1.5e-7 for the formula itself).
    @inlinable
    public static func erf(_ x: SIMD8<Float>) -> SIMD8<Float> {
        let a = x.replacing(with: -x, where: x .< 0)
        let t = 1 / (1 + 0.327_591_1 * a)
        var poly = SIMD8<Float>(repeating: 1.061_405_429)
        poly = poly * t - 1.453_152_027
        poly = poly * t + 1.421_413_741
        poly = poly * t - 0.284_496_736
        poly = poly * t + 0.254_829_592
        poly = poly * t
        let y = 1 - poly * exp(-a * a)
        var result = y
        result.replace(with: -y, where: x .< 0)
        return result
    }

    /// In place: the exact-form GELU `x · ½ · (1 + erf(x / √2))` over a buffer.
    ///
    /// - Complexity: O(n), eight lanes at a time.
    public static func gelu(_ buffer: UnsafeMutableBufferPointer<Float>) {
        // The same operations as `erf` above, in C over AVX-512 or AVX2 vectors (Swift's SIMD8 runs as two
        // SSE halves on baseline x86-64).
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        cm_gelu(base, buffer.count)
    }
}
