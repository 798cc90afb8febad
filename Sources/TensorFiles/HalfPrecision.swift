/// Conversions between `Float` and IEEE 754 binary16 bit patterns.
///
/// Written out rather than using `Float16`, which some platforms lack. Conversion to half
/// precision rounds to nearest, ties to even, exactly as NumPy's `astype(np.float16)`;
/// conversion back is exact.
public enum HalfPrecision {
    /// The binary16 bit pattern nearest to `value`.
    public static func bits(from value: Float) -> UInt16 {
        let x = value.bitPattern
        let sign = UInt16((x >> 16) & 0x8000)
        let exponent = Int((x >> 23) & 0xFF)
        var mantissa = x & 0x7F_FFFF
        if exponent == 0xFF {  // inf or NaN; keep NaN quiet and non-zero
            return sign | 0x7C00 | (mantissa != 0 ? 0x200 | UInt16(mantissa >> 13) : 0)
        }
        let halfExponent = exponent - 127 + 15
        if halfExponent >= 0x1F { return sign | 0x7C00 }  // overflow to infinity
        if halfExponent <= 0 {
            // Subnormal half or zero: shift the full significand right, rounding to even.
            if halfExponent < -10 { return sign }
            mantissa |= 0x80_0000
            let shift = UInt32(14 - halfExponent)
            let halfMantissa = mantissa >> shift
            let remainder = mantissa & ((1 << shift) - 1)
            let halfway = UInt32(1) << (shift - 1)
            var result = UInt32(halfMantissa)
            if remainder > halfway || (remainder == halfway && (halfMantissa & 1) == 1) { result += 1 }
            return sign | UInt16(result)
        }
        var result = (UInt32(halfExponent) << 10) | (mantissa >> 13)
        let remainder = mantissa & 0x1FFF
        if remainder > 0x1000 || (remainder == 0x1000 && (result & 1) == 1) {
            result += 1  // may carry into the exponent, which is the correct rounding
        }
        return sign | UInt16(result)
    }

    /// The `Float` value of a binary16 bit pattern (exact).
    public static func float(from bits: UInt16) -> Float {
        let sign = UInt32(bits & 0x8000) << 16
        let exponent = UInt32((bits >> 10) & 0x1F)
        let mantissa = UInt32(bits & 0x3FF)
        if exponent == 0 {
            // Zero or subnormal: value = mantissa · 2⁻²⁴.
            let magnitude = Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
            return sign != 0 ? -magnitude : magnitude
        }
        if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | (mantissa << 13)) }
        return Float(bitPattern: sign | ((exponent + 112) << 23) | (mantissa << 13))
    }
}
