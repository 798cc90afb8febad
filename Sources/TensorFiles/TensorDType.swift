/// The element types crossmodal reads and writes in tensor files.
public enum TensorDType: String, CaseIterable, Sendable {
    /// IEEE 754 binary32.
    case float32
    /// IEEE 754 binary16.
    case float16
    /// bfloat16: the top 16 bits of a binary32 (safetensors only).
    case bfloat16
    /// IEEE 754 binary64 (read only, converted to `Float`).
    case float64
    /// Signed 32-bit integers.
    case int32
    /// Signed 64-bit integers.
    case int64

    /// Bytes per element.
    public var byteWidth: Int {
        switch self {
        case .float16, .bfloat16: 2
        case .float32, .int32: 4
        case .float64, .int64: 8
        }
    }

    /// Whether the type holds floating-point values.
    public var isFloatingPoint: Bool {
        switch self {
        case .float32, .float16, .bfloat16, .float64: true
        case .int32, .int64: false
        }
    }
}
