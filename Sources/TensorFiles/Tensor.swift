import Foundation
import Numerics

/// An n-dimensional array as it is stored in a file: element type, shape and little-endian bytes.
///
/// Values are kept as raw bytes so that a file round-trips bit for bit; the typed accessors
/// convert on demand.
public struct Tensor: Equatable, Sendable {
    /// The element type.
    public let dtype: TensorDType
    /// The dimensions, outermost first (C order). An empty shape is a scalar.
    public let shape: [Int]
    /// The elements in C order, little-endian, `elementCount * dtype.byteWidth` bytes.
    public let bytes: Data

    /// The number of elements, the product of `shape`.
    public var elementCount: Int { shape.reduce(1, *) }

    /// Creates a tensor from raw little-endian bytes, checking that their count matches the shape.
    public init(dtype: TensorDType, shape: [Int], bytes: Data) throws(TensorFileError) {
        guard let expected = Self.byteCount(shape: shape, width: dtype.byteWidth) else {
            throw TensorFileError(file: "<memory>", problem: "shape \(shape) has a negative dimension or more elements than fit in memory")
        }
        guard bytes.count == expected else {
            throw TensorFileError(
                file: "<memory>",
                problem: "shape \(shape) of \(dtype) needs \(expected) bytes, got \(bytes.count)")
        }
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }

    /// A float32 tensor holding `values` with the given shape.
    public init(float32 values: [Float], shape: [Int]) throws(TensorFileError) {
        try self.init(dtype: .float32, shape: shape, bytes: Self.littleEndianData(values.map { $0.bitPattern }))
    }

    /// A float16 tensor holding `values` rounded to half precision (round to nearest even).
    public init(float16 values: [Float], shape: [Int]) throws(TensorFileError) {
        try self.init(
            dtype: .float16, shape: shape,
            bytes: Self.littleEndianData(values.map { HalfPrecision.bits(from: $0) }))
    }

    /// An int32 tensor holding `values`.
    public init(int32 values: [Int32], shape: [Int]) throws(TensorFileError) {
        try self.init(dtype: .int32, shape: shape, bytes: Self.littleEndianData(values))
    }

    /// An int64 tensor holding `values`.
    public init(int64 values: [Int64], shape: [Int]) throws(TensorFileError) {
        try self.init(dtype: .int64, shape: shape, bytes: Self.littleEndianData(values))
    }

    /// A 2-D float32 tensor holding a matrix.
    public init(_ matrix: Matrix) {
        // The byte count matches by construction.
        self.dtype = .float32
        self.shape = [matrix.rows, matrix.columns]
        self.bytes = Self.littleEndianData(matrix.values.map { $0.bitPattern })
    }

    /// The elements as `Float`, converting from float16, bfloat16 or float64.
    ///
    /// - Throws: `TensorFileError` for an integer tensor.
    public func floatValues() throws(TensorFileError) -> [Float] {
        switch dtype {
        case .float32: return loadLittleEndian(UInt32.self).map(Float.init(bitPattern:))
        case .float16: return loadLittleEndian(UInt16.self).map(HalfPrecision.float(from:))
        case .bfloat16: return loadLittleEndian(UInt16.self).map { Float(bitPattern: UInt32($0) << 16) }
        case .float64: return loadLittleEndian(UInt64.self).map { Float(Double(bitPattern: $0)) }
        case .int32, .int64:
            throw TensorFileError(file: "<memory>", problem: "expected floating-point values, found \(dtype)")
        }
    }

    /// The elements as `Int64`, widening int32.
    ///
    /// - Throws: `TensorFileError` for a floating-point tensor.
    public func integerValues() throws(TensorFileError) -> [Int64] {
        switch dtype {
        case .int32: return loadLittleEndian(UInt32.self).map { Int64(Int32(bitPattern: $0)) }
        case .int64: return loadLittleEndian(UInt64.self).map { Int64(bitPattern: $0) }
        default:
            throw TensorFileError(file: "<memory>", problem: "expected integer values, found \(dtype)")
        }
    }

    /// The tensor as a matrix: 2-D as is, 1-D as one row; floating-point types only.
    public func matrix() throws(TensorFileError) -> Matrix {
        let (rows, columns): (Int, Int)
        switch shape.count {
        case 1: (rows, columns) = (1, shape[0])
        case 2: (rows, columns) = (shape[0], shape[1])
        default:
            throw TensorFileError(file: "<memory>", problem: "expected a 1-D or 2-D array, found shape \(shape)")
        }
        var matrix = Matrix(rows: rows, columns: columns)
        matrix.values = try floatValues()
        return matrix
    }

    private func loadLittleEndian<T: FixedWidthInteger>(_: T.Type) -> [T] {
        let count = bytes.count / MemoryLayout<T>.size
        var result = [T](repeating: 0, count: count)
        result.withUnsafeMutableBytes { destination in
            bytes.withUnsafeBytes { source in destination.copyMemory(from: source) }
        }
        #if _endian(big)
        for i in result.indices { result[i] = T(littleEndian: result[i]) }
        #endif
        return result
    }

    static func littleEndianData<T: FixedWidthInteger>(_ values: [T]) -> Data {
        #if _endian(big)
        let values = values.map(\.littleEndian)
        #endif
        return values.withUnsafeBytes { Data($0) }
    }
}
