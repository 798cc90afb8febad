import Foundation
import SafeFiles

/// A check of a saved hnswlib graph, done completely by our own code before the graph is searched.
///
/// hnswlib trusts its file: a crafted header of about 100 bytes makes it allocate tens of gigabytes,
/// and a link id past the end makes its search read and write out of bounds. The layout (hnswlib's
/// `saveIndex`): a 96-byte header (offsetLevel0, maxElements, count, sizeDataPerElement, labelOffset,
/// offsetData as 8-byte integers; maxLevel and entryPoint as 4-byte integers; maxM, maxM0, M as 8-byte
/// integers, mult as a double, efConstruction), then `count` level-0 blocks of `sizeDataPerElement`
/// bytes (a 4-byte link count, maxM0 4-byte links, the vector, an 8-byte label), then for each element
/// a 4-byte byte count and its upper levels' blocks (a 4-byte count and maxM links each).
enum HNSWGraphFile {
    /// The largest graph file opened.
    static let maximumBytes = 16 << 30
    /// hnswlib's M is at most a few hundred in practice; its maxM0 is 2M.
    static let maximumLinks = 4096
    /// Levels grow as log(n)/log(M): 64 is far beyond any real graph.
    static let maximumLevel = 64

    /// Bytes read at a time: the check streams the file (a million-row graph is over a gigabyte) and never
    /// maps it, so the pages it reads are not charged to the process.
    static let chunkBytes = 8 << 20

    /// Checks the graph open in `file` against the index it belongs to: `rows` vectors of `dimension` floats.
    /// The graph may cover only the first of them (an index that grew since the graph was saved catches up on
    /// load), so it must hold at most `rows` elements, labelled below its own count.
    ///
    /// - Complexity: O(file size) time, O(elements) bytes of memory (a level per element) beside an 8 MB buffer.
    static func check(_ file: OpenedFile, dimension: Int, rows: Int) throws(NeighborError) {
        func fail(_ problem: String) -> NeighborError { NeighborError("\(file.path): not a usable HNSW graph: \(problem); build the index again") }
        let fileSize = file.size
        guard fileSize >= 96 else { throw fail("the file is shorter than the 96-byte header") }
        let window = FileWindow(file: file)
        let header = try window.bytes(at: 0, count: 96)
        var reader = ByteReader(data: header)
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
        guard !overflow, level0Bytes <= UInt64(fileSize - 96) else { throw fail("the file is shorter than its \(count) elements") }
        guard count == 0 || entryPoint < count else { throw fail("the entry point \(entryPoint) is not an element") }

        // Level 0, a chunk of whole elements at a time: link counts, link ids and labels.
        let n = Int(count)
        let size = Int(sizePerElement)
        let perChunk = max(1, chunkBytes / size)
        var first = 0
        while first < n {
            let elements = min(perChunk, n - first)
            let chunk = ByteReader(data: try window.bytes(at: 96 + first * size, count: elements * size))
            for element in first..<(first + elements) {
                let base = (element - first) * size
                let header = chunk.u32(at: base)
                let links = Int(header & 0xFFFF)
                guard header >> 16 == 0 else { throw fail("element \(element) is marked deleted or has flags set") }
                guard links <= Int(maxM0) else { throw fail("element \(element) has \(links) links, more than \(maxM0)") }
                for link in 0..<links where UInt64(chunk.u32(at: base + 4 + 4 * link)) >= count {
                    throw fail("element \(element) links to a missing element")
                }
                guard chunk.u64(at: base + Int(labelOffset)) < count else { throw fail("element \(element) has a label outside the index") }
            }
            first += elements
        }
        // Upper levels, read twice: each element's byte count gives its level, then every link must reach an
        // element that has the level it is followed on.
        let upperStart = 96 + n * size
        var levels = [UInt8](repeating: 0, count: n)
        var position = upperStart
        for element in 0..<n {
            guard fileSize - position >= 4 else { throw fail("the file ends inside element \(element)'s upper levels") }
            let bytes = Int(ByteReader(data: try window.bytes(at: position, count: 4)).u32(at: 0))
            position += 4
            guard bytes % linksUpper == 0, bytes / linksUpper <= maxLevel, bytes <= fileSize - position else {
                throw fail("element \(element)'s upper levels are malformed")
            }
            levels[element] = UInt8(bytes / linksUpper)
            position += bytes
        }
        guard position == fileSize else { throw fail("\(fileSize - position) bytes follow the last element") }
        guard n == 0 || Int(levels[Int(entryPoint)]) == maxLevel else { throw fail("the entry point is not on the top level") }
        position = upperStart
        for element in 0..<n {
            position += 4
            for level in stride(from: 1, through: Int(levels[element]), by: 1) {
                let block = ByteReader(data: try window.bytes(at: position, count: linksUpper))
                position += linksUpper
                let links = Int(block.u32(at: 0) & 0xFFFF)
                guard links <= Int(maxM) else { throw fail("element \(element) has too many links on level \(level)") }
                for link in 0..<links {
                    let target = Int(block.u32(at: 4 + 4 * link))
                    // A search on level l follows only elements that have level l.
                    guard target < n, Int(levels[target]) >= level else {
                        throw fail("element \(element) links on level \(level) to an element without that level")
                    }
                }
            }
        }
    }
}

/// Sequential reads of a file through one buffer of its own: a range inside the buffer is served from it, any
/// other refills the buffer from that range's start (at least ``HNSWGraphFile/chunkBytes`` when the file has them).
private final class FileWindow {
    let file: OpenedFile
    private var buffer: UnsafeMutableRawBufferPointer
    /// The file offset of the buffer's first byte, and how many bytes of it are filled.
    private var start = 0, filled = 0

    init(file: OpenedFile) {
        self.file = file
        buffer = .allocate(byteCount: 0, alignment: 16)
    }

    deinit { buffer.deallocate() }

    /// Bytes `offset..<offset + count`, which the caller has checked lie inside the file; valid until the next call.
    func bytes(at offset: Int, count: Int) throws(NeighborError) -> UnsafeRawBufferPointer {
        if offset < start || offset + count > start + filled {
            let wanted = min(file.size - offset, max(count, HNSWGraphFile.chunkBytes))
            if wanted > buffer.count {
                buffer.deallocate()
                buffer = .allocate(byteCount: wanted, alignment: 16)
            }
            (start, filled) = (offset, 0)
            do {
                try file.read(offset: offset, into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<wanted]))
            } catch {
                throw NeighborError(error.message)
            }
            filled = wanted
        }
        return UnsafeRawBufferPointer(rebasing: buffer[(offset - start)..<(offset - start + count)])
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
