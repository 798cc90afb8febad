/// A 64-bit FNV-1a hash over bytes, strings and integers, for cache keys over content.
///
/// Not cryptographic: it tells whether inputs changed, not whether someone forged them.
public struct ContentHasher: Sendable {
    private var state: UInt64 = 0xCBF2_9CE4_8422_2325

    /// A hasher in its initial state.
    public init() {}

    /// Mixes in raw bytes.
    ///
    /// - Complexity: O(n).
    public mutating func combine(bytes: UnsafeRawBufferPointer) {
        var h = state
        for byte in bytes {
            h ^= UInt64(byte)
            h = h &* 0x0000_0100_0000_01B3
        }
        state = h
    }

    /// Mixes in a string, followed by a separator so that ("ab","c") and ("a","bc") differ.
    public mutating func combine(_ string: String) {
        var copy = string
        copy.withUTF8 { combine(bytes: UnsafeRawBufferPointer($0)) }
        combine(UInt64(0xFF))
    }

    /// Mixes in an integer.
    public mutating func combine(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { combine(bytes: $0) }
    }

    /// The hash as 16 lower-case hexadecimal digits.
    public var hexDigest: String {
        let text = String(state, radix: 16)
        return String(repeating: "0", count: 16 - text.count) + text
    }
}
