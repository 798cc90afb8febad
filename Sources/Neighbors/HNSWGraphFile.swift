import Foundation
import SafeFiles

/// A check of a saved hnswlib graph, done completely by our own code before hnswlib reads the file.
///
/// hnswlib trusts its file: a crafted header of about 100 bytes makes it allocate tens of gigabytes,
/// and a link id past the end makes its search read and write out of bounds. The layout (hnswlib's
/// `saveIndex`): a 96-byte header (offsetLevel0, maxElements, count, sizeDataPerElement, labelOffset,
/// offsetData as 8-byte integers; maxLevel and entryPoint as 4-byte integers; maxM, maxM0, M as 8-byte
/// integers, mult as a double, efConstruction), then `count` level-0 blocks of `sizeDataPerElement`
/// bytes (a 4-byte link count, maxM0 4-byte links, the vector, an 8-byte label), then for each element
/// a 4-byte byte count and its upper levels' blocks (a 4-byte count and maxM links each).
enum HNSWGraphFile {
    /// The largest graph file read.
    static let maximumBytes = 16 << 30
    /// hnswlib's M is at most a few hundred in practice; its maxM0 is 2M.
    static let maximumLinks = 4096
    /// Levels grow as log(n)/log(M): 64 is far beyond any real graph.
    static let maximumLevel = 64

    /// Checks `data` against the index it belongs to: `rows` vectors of `dimension` floats. The graph may
    /// cover only the first of them (an index that grew since the graph was saved catches up on load), so
    /// it must hold at most `rows` elements, labelled below its own count.
    ///
    /// - Complexity: O(file size).
    static func validate(_ data: Data, dimension: Int, rows: Int, file: String) throws(NeighborError) {
        let failure: NeighborError? = data.withUnsafeBytes { bytes -> NeighborError? in
            do throws(NeighborError) {
                try validate(bytes: bytes, dimension: dimension, rows: rows, file: file)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
    }

    /// ``validate(_:dimension:rows:file:)`` over the bytes in place: unaligned little-endian loads, no copies
    /// (a million-row graph is over a gigabyte).
    private static func validate(bytes data: UnsafeRawBufferPointer, dimension: Int, rows: Int, file: String) throws(NeighborError) {
        func fail(_ problem: String) -> NeighborError { NeighborError("\(file): not a usable HNSW graph: \(problem); build the index again") }
        var reader = ByteReader(data: data)
        guard data.count >= 96 else { throw fail("the file is shorter than the 96-byte header") }
        let offsetLevel0 = reader.u64(), maxElements = reader.u64(), count = reader.u64(), sizePerElement = reader.u64()
        let labelOffset = reader.u64(), offsetData = reader.u64()
        let maxLevel = Int(Int32(bitPattern: reader.u32())), entryPoint = UInt64(reader.u32())
        let maxM = reader.u64(), maxM0 = reader.u64(), m = reader.u64()
        let mult = Double(bitPattern: reader.u64())
        _ = reader.u64()  // efConstruction
        guard count <= UInt64(rows) else { throw fail("it holds \(count) vectors, the index only \(rows)") }
        guard maxElements >= count, maxElements <= max(count, 1) else { throw fail("capacity \(maxElements) for \(count) vectors") }
        guard (1...UInt64(maximumLinks)).contains(maxM0), (1...maxM0).contains(maxM), m >= 1, m <= maxM0 else {
            throw fail("link limits M \(m), maxM \(maxM), maxM0 \(maxM0) are out of range")
        }
        guard mult.isFinite, mult > 0, (0...maximumLevel).contains(maxLevel) else { throw fail("level settings are out of range") }
        let linksLevel0 = maxM0 * 4 + 4
        let linksUpper = Int(maxM) * 4 + 4
        let vectorBytes = UInt64(dimension) * 4
        guard offsetLevel0 == 0, offsetData == linksLevel0, labelOffset == linksLevel0 + vectorBytes, sizePerElement == labelOffset + 8 else {
            throw fail("its element layout does not match \(dimension)-d vectors")
        }
        let (level0Bytes, overflow) = count.multipliedReportingOverflow(by: sizePerElement)
        guard !overflow, level0Bytes <= UInt64(data.count - 96) else { throw fail("the file is shorter than its \(count) elements") }
        guard count == 0 || entryPoint < count else { throw fail("the entry point \(entryPoint) is not an element") }

        // Level 0: link counts, link ids and labels.
        let n = Int(count)
        let size = Int(sizePerElement)
        for element in 0..<n {
            let base = 96 + element * size
            let header = reader.u32(at: base)
            let links = Int(header & 0xFFFF)
            guard header >> 16 == 0 else { throw fail("element \(element) is marked deleted or has flags set") }
            guard links <= Int(maxM0) else { throw fail("element \(element) has \(links) links, more than \(maxM0)") }
            for link in 0..<links where UInt64(reader.u32(at: base + 4 + 4 * link)) >= count {
                throw fail("element \(element) links to a missing element")
            }
            guard reader.u64(at: base + Int(labelOffset)) < count else { throw fail("element \(element) has a label outside the index") }
        }
        // Upper levels: each element's byte count, then its levels' link blocks.
        var levels = [Int](repeating: 0, count: n)
        var upperStarts = [Int](repeating: 0, count: n)
        var position = 96 + n * size
        for element in 0..<n {
            guard position + 4 <= data.count else { throw fail("the file ends inside element \(element)'s upper levels") }
            let bytes = Int(reader.u32(at: position))
            position += 4
            guard bytes % linksUpper == 0, bytes / linksUpper <= maxLevel, bytes <= data.count - position else {
                throw fail("element \(element)'s upper levels are malformed")
            }
            levels[element] = bytes / linksUpper
            upperStarts[element] = position
            position += bytes
        }
        guard position == data.count else { throw fail("\(data.count - position) bytes follow the last element") }
        guard n == 0 || levels[Int(entryPoint)] == maxLevel else { throw fail("the entry point is not on the top level") }
        for element in 0..<n where levels[element] > 0 {
            for level in 1...levels[element] {
                let block = upperStarts[element] + (level - 1) * linksUpper
                let links = Int(reader.u32(at: block) & 0xFFFF)
                guard links <= Int(maxM) else { throw fail("element \(element) has too many links on level \(level)") }
                for link in 0..<links {
                    let target = Int(reader.u32(at: block + 4 + 4 * link))
                    // A search on level l follows only elements that have level l.
                    guard target < n, levels[target] >= level else {
                        throw fail("element \(element) links on level \(level) to an element without that level")
                    }
                }
            }
        }
    }

    /// Reads and validates the graph file.
    static func read(_ url: URL, dimension: Int, rows: Int) throws(NeighborError) {
        let data: Data
        do {
            data = try RegularFile.read(url, maxBytes: maximumBytes)
        } catch {
            throw NeighborError(error.message)
        }
        try validate(data, dimension: dimension, rows: rows, file: url.path)
    }
}

/// Little-endian integers from a byte buffer whose bounds the caller has checked.
private struct ByteReader {
    let data: UnsafeRawBufferPointer
    var position = 0

    func u32(at offset: Int) -> UInt32 { UInt32(littleEndian: data.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }

    func u64(at offset: Int) -> UInt64 { UInt64(littleEndian: data.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }

    mutating func u32() -> UInt32 {
        defer { position += 4 }
        return u32(at: position)
    }

    mutating func u64() -> UInt64 {
        defer { position += 8 }
        return u64(at: position)
    }
}
