import Foundation

/// The named tensors and string metadata of one `safetensors` file.
public struct SafetensorsArchive: Sendable {
    /// The tensors by name.
    public var tensors: [String: Tensor]
    /// The optional `__metadata__` map of the header.
    public var metadata: [String: String]

    /// Creates an archive.
    public init(tensors: [String: Tensor] = [:], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }

    /// The tensor called `name`, or an error that names the file and the missing tensor.
    public func tensor(_ name: String, file: String = "<archive>") throws(TensorFileError) -> Tensor {
        guard let tensor = tensors[name] else {
            throw TensorFileError(file: file, problem: "no tensor named '\(name)'")
        }
        return tensor
    }
}

/// Reads and writes the `safetensors` format.
///
/// Layout: an 8-byte little-endian header length `N`, `N` bytes of JSON mapping each tensor name
/// to `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets relative to the data section),
/// then the data. Reading checks that every tensor's byte range fits its shape and dtype, lies
/// inside the file, and that the ranges tile the data section without gaps or overlaps.
public enum SafetensorsFile {
    /// The largest header we accept, as the reference implementation does.
    static let maximumHeaderBytes = 100_000_000

    /// Reads the archive at `url`.
    public static func read(_ url: URL) throws(TensorFileError) -> SafetensorsArchive {
        try decode(TensorFileError.contents(of: url), file: url.path)
    }

    /// Writes `archive` to `url` atomically, tensors in name order.
    public static func write(_ archive: SafetensorsArchive, to url: URL) throws(TensorFileError) {
        do {
            try encode(archive).write(to: url, options: .atomic)
        } catch let error as TensorFileError {
            throw TensorFileError(file: url.path, problem: error.problem)
        } catch {
            throw TensorFileError(file: url.path, problem: "cannot be written (\(error.localizedDescription))")
        }
    }

    /// Decodes the bytes of a safetensors file; `file` names it in errors.
    public static func decode(_ data: Data, file: String = "<memory>") throws(TensorFileError) -> SafetensorsArchive {
        func fail(_ problem: String) -> TensorFileError { TensorFileError(file: file, problem: problem) }
        guard data.count >= 8 else { throw fail("truncated: shorter than the 8-byte header length") }
        var headerLength: UInt64 = 0
        for (shift, byte) in data.prefix(8).enumerated() { headerLength |= UInt64(byte) << (8 * UInt64(shift)) }
        guard headerLength <= UInt64(maximumHeaderBytes) else {
            throw fail("header length \(headerLength) is implausibly large; not a safetensors file?")
        }
        guard 8 + Int(headerLength) <= data.count else {
            throw fail("truncated: the header claims \(headerLength) bytes but the file has \(data.count - 8)")
        }
        let headerStart = data.startIndex + 8
        let dataStart = headerStart + Int(headerLength)
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: data.subdata(in: headerStart..<dataStart))
        } catch {
            throw fail("the header is not valid JSON")
        }
        guard let entries = json as? [String: Any] else { throw fail("the header is not a JSON object") }

        var archive = SafetensorsArchive()
        var ranges: [(begin: Int, end: Int, name: String, dtype: TensorDType, shape: [Int])] = []
        let dataLength = data.endIndex - dataStart
        // Every entry is checked, and the ranges must tile the data section, before any tensor's bytes
        // are copied: many entries over one range cannot make the reader allocate more than the file holds.
        for (name, value) in entries {
            if name == "__metadata__" {
                guard let metadata = value as? [String: String] else {
                    throw fail("__metadata__ must map strings to strings")
                }
                archive.metadata = metadata
                continue
            }
            guard let entry = value as? [String: Any],
                let dtypeName = entry["dtype"] as? String,
                let shapeNumbers = entry["shape"] as? [NSNumber],
                let offsetNumbers = entry["data_offsets"] as? [NSNumber], offsetNumbers.count == 2
            else {
                throw fail("tensor '\(name)' needs dtype, shape and two data_offsets")
            }
            guard let dtype = dtypeFromName[dtypeName] else {
                throw fail("tensor '\(name)' has unsupported dtype \(dtypeName); supported: F32, F16, BF16, F64, I32, I64")
            }
            let shape = shapeNumbers.map { Self.exactInteger($0) ?? -1 }
            guard let begin = Self.exactInteger(offsetNumbers[0]), let end = Self.exactInteger(offsetNumbers[1]),
                shape.allSatisfy({ $0 >= 0 }), begin >= 0, end >= begin
            else {
                throw fail("tensor '\(name)' has a negative or non-integer dimension or offset, or reversed offsets")
            }
            guard end <= dataLength else {
                throw fail("truncated: tensor '\(name)' ends at byte \(end) of a \(dataLength)-byte data section")
            }
            guard let expected = Tensor.byteCount(shape: shape, width: dtype.byteWidth) else {
                throw fail("tensor '\(name)' of shape \(shape) has more elements than fit in memory")
            }
            guard end - begin == expected else {
                throw fail("tensor '\(name)' of shape \(shape) and dtype \(dtypeName) needs \(expected) bytes, its offsets span \(end - begin)")
            }
            ranges.append((begin, end, name, dtype, shape))
        }
        ranges.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var cursor = 0
        for range in ranges {
            guard range.begin == cursor else {
                throw fail(range.begin < cursor
                    ? "tensor '\(range.name)' overlaps the previous tensor"
                    : "gap in the data section before tensor '\(range.name)'")
            }
            cursor = range.end
        }
        guard cursor == dataLength else {
            throw fail("\(dataLength - cursor) bytes after the last tensor belong to no tensor")
        }
        for range in ranges {
            do {
                archive.tensors[range.name] = try Tensor(
                    dtype: range.dtype, shape: range.shape, bytes: data.subdata(in: dataStart + range.begin..<dataStart + range.end))
            } catch {
                throw fail(error.problem)
            }
        }
        return archive
    }

    /// The value of a JSON number when it is a whole number that fits an `Int`.
    static func exactInteger(_ number: NSNumber) -> Int? {
        let value = number.doubleValue
        guard value.isFinite, value == value.rounded(), abs(value) < 9.0e15 else { return nil }
        return Int(value)
    }

    /// Encodes `archive` as the bytes of a safetensors file, tensors in name order.
    public static func encode(_ archive: SafetensorsArchive) throws(TensorFileError) -> Data {
        var header: [String: Any] = [:]
        if !archive.metadata.isEmpty { header["__metadata__"] = archive.metadata }
        var offset = 0
        let names = archive.tensors.keys.sorted()
        for name in names {
            let tensor = archive.tensors[name]!
            header[name] = [
                "dtype": nameFromDType[tensor.dtype]!,
                "shape": tensor.shape,
                "data_offsets": [offset, offset + tensor.bytes.count],
            ] as [String: Any]
            offset += tensor.bytes.count
        }
        var headerData: Data
        do {
            headerData = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
        } catch {
            throw TensorFileError(file: "<memory>", problem: "cannot encode the header (\(error))")
        }
        // Pad with spaces so the data section starts on an 8-byte boundary.
        headerData.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - headerData.count % 8) % 8))
        var data = Data(capacity: 8 + headerData.count + offset)
        let length = UInt64(headerData.count)
        data.append(contentsOf: (0..<8).map { UInt8((length >> (8 * UInt64($0))) & 0xFF) })
        data.append(headerData)
        for name in names { data.append(archive.tensors[name]!.bytes) }
        return data
    }

    static let dtypeFromName: [String: TensorDType] = [
        "F32": .float32, "F16": .float16, "BF16": .bfloat16, "F64": .float64, "I32": .int32, "I64": .int64,
    ]
    static let nameFromDType: [TensorDType: String] = Dictionary(
        uniqueKeysWithValues: dtypeFromName.map { ($0.value, $0.key) })
}
