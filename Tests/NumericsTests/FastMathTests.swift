import Foundation
import Numerics
import Testing

@Suite struct FastMathTests {
    /// Sweeps `range` in steps of `step`, eight lanes `spread` apart at each point, and expects
    /// `|fast(x) − exact(x)| ≤ tolerance(exact(x))` in every lane.
    static func sweep(
        _ range: Range<Float>, step: Float, spread: Float, _ name: String, fast: (SIMD8<Float>) -> SIMD8<Float>,
        exact: (Double) -> Double, tolerance: (Double) -> Double
    ) {
        var x = range.lowerBound
        while x < range.upperBound {
            let lanes = SIMD8<Float>((0..<8).map { x + Float($0) * spread })
            let got = fast(lanes)
            for lane in 0..<8 {
                let want = exact(Double(lanes[lane]))
                #expect(abs(Double(got[lane]) - want) <= tolerance(want), "\(name)(\(lanes[lane]))")
            }
            x += step
        }
    }

    @Test func expMatchesLibmRelatively() {
        Self.sweep(-87..<88, step: 0.731, spread: 0.0137, "exp", fast: FastMath.exp, exact: Foundation.exp, tolerance: { 5e-7 * $0 })
        #expect(FastMath.exp(SIMD8(repeating: -200))[0] == 0)
        #expect(FastMath.exp(SIMD8(repeating: 200))[0] == .infinity)
    }

    @Test func erfMatchesLibmAbsolutely() {
        Self.sweep(-6..<6, step: 0.0173, spread: 0.0011, "erf", fast: FastMath.erf, exact: Foundation.erf, tolerance: { _ in 5e-7 })
    }

    @Test func geluOverABufferWithATail() {
        var values: [Float] = (0..<21).map { Float($0) / 3 - 3.5 }
        let expected = values.map { x in Double(x) * 0.5 * (1 + Foundation.erf(Double(x) / 2.0.squareRoot())) }
        values.withUnsafeMutableBufferPointer { FastMath.gelu($0) }
        for (got, want) in zip(values, expected) { #expect(abs(Double(got) - want) < 1e-6) }
    }

    /// The vectorised buffer version (C, AVX-512 or AVX2) computes exactly what the SIMD8 formula does.
    @Test func geluOverABufferMatchesTheLaneFormulaBitForBit() {
        var values: [Float] = (0..<1003).map { Float($0) * 0.0173 - 8.7 }
        let expected = stride(from: 0, to: 1003, by: 8).flatMap { start -> [Float] in
            let lanes = SIMD8<Float>((0..<8).map { start + $0 < 1003 ? values[start + $0] : 0 })
            let y = 0.5 * lanes * (1 + FastMath.erf(lanes * 0.707_106_78))
            return (0..<min(8, 1003 - start)).map { y[$0] }
        }
        values.withUnsafeMutableBufferPointer { FastMath.gelu($0) }
        #expect(values == expected)
    }
}
