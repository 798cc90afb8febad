import Foundation
import Numerics
import Testing

@Suite struct FastMathTests {
    @Test func expMatchesLibmRelatively() {
        var x: Float = -87
        while x < 88 {
            let lanes = SIMD8<Float>((0..<8).map { x + Float($0) * 0.0137 })
            let fast = FastMath.exp(lanes)
            for lane in 0..<8 {
                let exact = Foundation.exp(Double(lanes[lane]))
                #expect(abs(Double(fast[lane]) - exact) <= 5e-7 * exact, "exp(\(lanes[lane]))")
            }
            x += 0.731
        }
        #expect(FastMath.exp(SIMD8(repeating: -200))[0] == 0)
        #expect(FastMath.exp(SIMD8(repeating: 200))[0] == .infinity)
    }

    @Test func erfMatchesLibmAbsolutely() {
        var x: Float = -6
        while x < 6 {
            let lanes = SIMD8<Float>((0..<8).map { x + Float($0) * 0.0011 })
            let fast = FastMath.erf(lanes)
            for lane in 0..<8 {
                #expect(abs(Double(fast[lane]) - Foundation.erf(Double(lanes[lane]))) <= 5e-7, "erf(\(lanes[lane]))")
            }
            x += 0.0173
        }
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
