import Foundation

/// Reads and writes NumPy `.npy` files (format versions 1.0, 2.0 and 3.0).
///
/// Supported: C-order arrays of float32, float16, float64 (read only), int32 and int64, in either
/// byte order (big-endian data is swapped on read). Anything else (Fortran order, object arrays,
/// structured dtypes, a byte count that disagrees with the shape) is refused with a
/// ``TensorFileError`` naming the file.
public enum NPYFile {
    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // "\x93NUMPY"
    /// The longest header read: NumPy writes under 200 bytes for any array.
    static let maximumHeaderBytes = 1 << 20

    /// Reads the array stored at `url`.
    public static func read(_ url: URL) throws(TensorFileError) -> Tensor {
        try decode(TensorFileError.contents(of: url), file: url.path)
    }

    /// Writes `tensor` to `url` as a version 1.0 file (2.0 if the header needs it), atomically.
    public static func write(_ tensor: Tensor, to url: URL) throws(TensorFileError) {
        do {
            try encode(tensor).write(to: url, options: .atomic)
        } catch {
            throw TensorFileError(file: url.path, problem: "cannot be written (\(error.localizedDescription))")
        }
    }

    /// Decodes the bytes of an `.npy` file; `file` names it in errors.
    public static func decode(_ data: Data, file: String = "<memory>") throws(TensorFileError) -> Tensor {
        func fail(_ problem: String) -> TensorFileError { TensorFileError(file: file, problem: problem) }
        let bytes = [UInt8](data.prefix(12))
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else {
            throw fail("not a NumPy .npy file (missing the \\x93NUMPY magic string)")
        }
        let major = bytes[6]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw fail("truncated .npy header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default:
            throw fail("unsupported .npy format version \(major).\(bytes[7]); versions 1 to 3 are supported")
        }
        guard headerLength <= maximumHeaderBytes else {
            throw fail("the header claims \(headerLength) bytes; headers over \(maximumHeaderBytes) bytes are refused")
        }
        guard data.count >= headerStart + headerLength else {
            throw fail("truncated: the header claims \(headerLength) bytes but the file has \(data.count - headerStart) after the preamble")
        }
        let headerBytes = data.subdata(in: data.startIndex + headerStart..<data.startIndex + headerStart + headerLength)
        // Versions 1 and 2 are Latin-1; 3 is UTF-8. The keys and values we accept are ASCII either way.
        guard let headerText = String(data: headerBytes, encoding: major == 3 ? .utf8 : .isoLatin1) else {
            throw fail("the header is not valid text")
        }
        let header: NPYHeader
        do {
            header = try NPYHeader.parse(headerText)
        } catch {
            throw fail("bad header \(headerText.trimmingCharacters(in: .whitespacesAndNewlines)): \(error.message)")
        }
        if header.fortranOrder {
            throw fail("Fortran-order arrays are not supported; save a C-order copy (numpy.ascontiguousarray)")
        }
        let (dtype, bigEndian) = try parseDescriptor(header.descriptor, fail: fail)
        let payloadStart = data.startIndex + headerStart + headerLength
        let available = data.endIndex - payloadStart
        guard let expected = Tensor.byteCount(shape: header.shape, width: dtype.byteWidth) else {
            throw fail("shape \(header.shape) has more elements than fit in memory")
        }
        if available < expected {
            throw fail("truncated: shape \(header.shape) of \(header.descriptor) needs \(expected) data bytes, found \(available)")
        }
        if available > expected {
            throw fail("shape \(header.shape) of \(header.descriptor) needs \(expected) data bytes, but the file holds \(available)")
        }
        var payload = data.subdata(in: payloadStart..<data.endIndex)
        if bigEndian != isBigEndianHost, dtype.byteWidth > 1 {
            payload = byteSwapped(payload, width: dtype.byteWidth)
        }
        do {
            return try Tensor(dtype: dtype, shape: header.shape, bytes: payload)
        } catch {
            throw fail(error.problem)
        }
    }

    /// Encodes `tensor` as the bytes of an `.npy` file.
    public static func encode(_ tensor: Tensor) throws(TensorFileError) -> Data {
        let descriptor: String
        switch tensor.dtype {
        case .float32: descriptor = "<f4"
        case .float16: descriptor = "<f2"
        case .float64: descriptor = "<f8"
        case .int32: descriptor = "<i4"
        case .int64: descriptor = "<i8"
        case .bfloat16:
            throw TensorFileError(file: "<memory>", problem: "NumPy has no bfloat16; convert to float32 first")
        }
        let shapeText: String
        switch tensor.shape.count {
        case 0: shapeText = "()"
        case 1: shapeText = "(\(tensor.shape[0]),)"
        default: shapeText = "(" + tensor.shape.map(String.init).joined(separator: ", ") + ")"
        }
        var header = "{'descr': '\(descriptor)', 'fortran_order': False, 'shape': \(shapeText), }"
        // Pad with spaces so the data starts on a 64-byte boundary; the header ends in a newline.
        var preamble = 10
        if header.utf8.count + 1 + preamble > 65_535 { preamble = 12 }
        let total = preamble + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - total % 64) % 64) + "\n"
        var data = Data(magic)
        let length = header.utf8.count
        if preamble == 10 {
            data.append(contentsOf: [1, 0, UInt8(length & 0xFF), UInt8(length >> 8)])
        } else {
            data.append(contentsOf: [2, 0] + (0..<4).map { UInt8((length >> (8 * $0)) & 0xFF) })
        }
        data.append(contentsOf: Array(header.utf8))
        data.append(tensor.bytes)
        return data
    }

    private static var isBigEndianHost: Bool { 1.bigEndian == 1 }

    private static func parseDescriptor(
        _ descriptor: String, fail: (String) -> TensorFileError
    ) throws(TensorFileError) -> (TensorDType, bigEndian: Bool) {
        guard descriptor.count == 3 else {
            throw fail("unsupported dtype '\(descriptor)'; use float32, float16, int32 or int64")
        }
        let order = descriptor.first!
        let code = String(descriptor.dropFirst())
        let dtype: TensorDType? = switch code {
        case "f4": .float32
        case "f2": .float16
        case "f8": .float64
        case "i4": .int32
        case "i8": .int64
        default: nil
        }
        guard let dtype, "<>=|".contains(order) else {
            throw fail("unsupported dtype '\(descriptor)'; use float32, float16, int32 or int64")
        }
        return (dtype, order == ">" || (order == "=" && isBigEndianHost))
    }

    private static func byteSwapped(_ data: Data, width: Int) -> Data {
        var bytes = [UInt8](data)
        var start = 0
        while start + width <= bytes.count {
            bytes[start..<start + width].reverse()
            start += width
        }
        return Data(bytes)
    }
}

/// The three fields of an `.npy` header, parsed from its Python dict literal.
struct NPYHeader {
    var descriptor: String
    var fortranOrder: Bool
    var shape: [Int]

    struct ParseError: Error { let message: String }

    /// Parses `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`.
    static func parse(_ text: String) throws(ParseError) -> NPYHeader {
        var scanner = LiteralScanner(Array(text.unicodeScalars))
        let fields = try scanner.dictionary()
        guard case .string(let descriptor)? = fields["descr"] else {
            throw ParseError(message: "missing 'descr' (a dtype string)")
        }
        guard case .boolean(let fortranOrder)? = fields["fortran_order"] else {
            throw ParseError(message: "missing 'fortran_order' (True or False)")
        }
        guard case .tuple(let shape)? = fields["shape"] else {
            throw ParseError(message: "missing 'shape' (a tuple of integers)")
        }
        guard shape.allSatisfy({ $0 >= 0 }) else {
            throw ParseError(message: "negative dimension in shape")
        }
        return NPYHeader(descriptor: descriptor, fortranOrder: fortranOrder, shape: shape)
    }
}

/// A scanner for the small subset of Python literals that `.npy` headers use.
private struct LiteralScanner {
    enum Value {
        case string(String)
        case boolean(Bool)
        case tuple([Int])
    }

    let scalars: [Unicode.Scalar]
    var position = 0

    init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

    mutating func dictionary() throws(NPYHeader.ParseError) -> [String: Value] {
        try expect("{")
        var result: [String: Value] = [:]
        while true {
            skipSpace()
            if peek() == "}" { position += 1; break }
            let key = try string()
            try expect(":")
            result[key] = try value()
            skipSpace()
            if peek() == "," { position += 1; continue }
            try expect("}")
            break
        }
        skipSpace()
        guard position == scalars.count else {
            throw .init(message: "unexpected text after the dictionary")
        }
        return result
    }

    private mutating func value() throws(NPYHeader.ParseError) -> Value {
        skipSpace()
        switch peek() {
        case "'", "\"": return .string(try string())
        case "(": return .tuple(try tuple())
        case "T": try word("True"); return .boolean(true)
        case "F": try word("False"); return .boolean(false)
        default: throw .init(message: "unsupported value at offset \(position)")
        }
    }

    private mutating func tuple() throws(NPYHeader.ParseError) -> [Int] {
        try expect("(")
        var items: [Int] = []
        while true {
            skipSpace()
            if peek() == ")" { position += 1; return items }
            var digits = ""
            while let c = peek(), c.properties.numericType != nil || c == "-" {
                digits.unicodeScalars.append(c)
                position += 1
            }
            if peek() == "L" { position += 1 }  // Python 2 long suffix
            guard let number = Int(digits) else {
                throw .init(message: "shape entries must be integers")
            }
            items.append(number)
            skipSpace()
            if peek() == "," { position += 1; continue }
            try expect(")")
            return items
        }
    }

    private mutating func string() throws(NPYHeader.ParseError) -> String {
        skipSpace()
        guard let quote = peek(), quote == "'" || quote == "\"" else {
            throw .init(message: "expected a quoted string at offset \(position)")
        }
        position += 1
        var text = ""
        while let c = peek(), c != quote {
            text.unicodeScalars.append(c)
            position += 1
        }
        guard peek() == quote else { throw .init(message: "unterminated string") }
        position += 1
        return text
    }

    private mutating func word(_ expected: String) throws(NPYHeader.ParseError) {
        for scalar in expected.unicodeScalars {
            guard peek() == scalar else { throw .init(message: "expected \(expected)") }
            position += 1
        }
    }

    private mutating func expect(_ scalar: Unicode.Scalar) throws(NPYHeader.ParseError) {
        skipSpace()
        guard peek() == scalar else {
            throw .init(message: "expected '\(scalar)' at offset \(position)")
        }
        position += 1
    }

    private mutating func skipSpace() {
        while let c = peek(), c.properties.isWhitespace { position += 1 }
    }

    private func peek() -> Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }
}
