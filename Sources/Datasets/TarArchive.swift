import Foundation
import SafeFiles

/// One regular file inside a tar archive: its name and where its bytes lie.
public struct TarMember: Equatable, Hashable, Sendable {
    /// The member's path inside the archive (a PAX `path` or GNU long name when the archive has one).
    public let name: String
    /// Byte offset of the member's first data byte in the archive.
    public let offset: Int
    /// The member's size in bytes.
    public let size: Int
}

/// Reads a tar archive's headers one 512-byte block at a time, without unpacking it: ustar, PAX (`path` and
/// `size` records) and GNU long names, as Python's `tarfile` (and so WebDataset and img2dataset) and GNU tar
/// write them.
///
/// Nothing in a header is trusted: every header's checksum is checked, sizes are parsed digit by digit (octal,
/// or base-256 for large members) and must fit in what remains of the file, and extended headers are capped.
/// A header that fails a check ends the listing there, with ``Listing/problem`` saying where and why, so a
/// shard cut short by a killed writer still yields the members before the cut.
public struct TarArchive {
    /// The most bytes a PAX extended header or a GNU long name may hold.
    public static let maximumExtendedHeaderBytes = 1 << 20
    /// The most members listed from one archive.
    public static let maximumMembers = 4_000_000

    /// What a listing found: the regular files before any problem, and the problem.
    public struct Listing: Sendable {
        /// The regular files, in archive order.
        public var members: [TarMember]
        /// Why the listing stopped before the archive's end marker, naming the byte offset; nil when it read to
        /// the end.
        public var problem: String?
    }

    /// The archive, open for reading.
    public let file: OpenedFile
    /// The archive's path.
    public var url: URL { URL(fileURLWithPath: file.path) }

    /// Opens `url` (a regular file; symbolic links are followed).
    public init(_ url: URL) throws(DatasetError) {
        do {
            file = try OpenedFile(url, maxBytes: .max)
        } catch {
            throw DatasetError(error.message)
        }
    }

    /// The bytes of `member`, when it is at most `maxBytes` long.
    public func read(_ member: TarMember, maxBytes: Int) throws(FileReadError) -> Data {
        guard member.size <= maxBytes else { throw FileReadError(path: "\(file.path)#\(member.name)", reason: .tooLarge(bytes: member.size, limit: maxBytes)) }
        return try file.read(offset: member.offset, count: member.size)
    }

    /// Lists the archive's regular files (directories, links and other entries are passed over).
    ///
    /// - Complexity: O(members) reads of 512 bytes, plus the extended headers' bytes.
    public func list() -> Listing {
        var members: [TarMember] = []
        var position = 0
        var longName: String? = nil
        var paxPath: String? = nil
        var paxSize: Int? = nil
        let size = file.size
        func stop(_ why: String) -> Listing {
            Listing(members: members, problem: "\(file.path): \(why); the rest of the archive is skipped")
        }
        while true {
            if position == size { return Listing(members: members, problem: nil) }  // no end marker: tolerated
            guard position + 512 <= size else { return stop("the header at byte \(position) is cut short (the archive is truncated)") }
            let block: [UInt8]
            do {
                block = [UInt8](try file.read(offset: position, count: 512))
            } catch {
                return stop(error.problem)
            }
            if block.allSatisfy({ $0 == 0 }) { return Listing(members: members, problem: nil) }  // end marker
            guard let stored = Self.number(block[148..<156]) else { return stop("the header at byte \(position) has an unreadable checksum (not a tar archive?)") }
            let sum = block.indices.reduce(0) { $0 + ((148..<156).contains($1) ? 32 : Int(block[$1])) }
            guard stored == sum else { return stop("the header at byte \(position) has a wrong checksum (\(stored), the bytes sum to \(sum))") }
            guard var memberSize = Self.number(block[124..<136]) else { return stop("the header at byte \(position) has an unreadable size") }
            let type = block[156]
            if let paxSize, type == 0x30 || type == 0 || type == 0x37 { memberSize = paxSize }
            let dataStart = position + 512
            guard memberSize <= size - dataStart else {
                return stop("the member at byte \(position) claims \(memberSize) bytes, but only \(size - dataStart) remain (the archive is truncated or its header lies)")
            }
            let next = dataStart + (memberSize + 511) / 512 * 512
            switch type {
            case 0x78, 0x4C:  // 'x' PAX header for the next member, 'L' GNU long name
                guard memberSize <= Self.maximumExtendedHeaderBytes else {
                    return stop("the extended header at byte \(position) holds \(memberSize) bytes, over the \(Self.maximumExtendedHeaderBytes) allowed")
                }
                let bytes: Data
                do {
                    bytes = try file.read(offset: dataStart, count: memberSize)
                } catch {
                    return stop(error.problem)
                }
                if type == 0x4C {
                    longName = String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
                } else {
                    guard let records = Self.paxRecords(bytes) else { return stop("the PAX header at byte \(position) is malformed") }
                    paxPath = records["path"] ?? paxPath
                    if let text = records["size"] {
                        guard let value = Int(text), value >= 0 else { return stop("the PAX header at byte \(position) has a bad size \"\(text.prefix(30))\"") }
                        paxSize = value
                    }
                }
            case 0x30, 0, 0x37:  // '0', NUL (old tar), '7' contiguous: a regular file
                let name = paxPath ?? longName ?? Self.headerName(block)
                guard members.count < Self.maximumMembers else { return stop("more than \(Self.maximumMembers) members") }
                members.append(TarMember(name: name, offset: dataStart, size: memberSize))
                (longName, paxPath, paxSize) = (nil, nil, nil)
            default:  // 'g' global PAX header, directories, links, devices: nothing to read
                if type != 0x67 { (longName, paxPath, paxSize) = (nil, nil, nil) }
            }
            position = next
        }
    }

    /// The name of a ustar header: `prefix/name` when the POSIX prefix is set.
    static func headerName(_ block: [UInt8]) -> String {
        func field(_ range: Range<Int>) -> String { String(decoding: block[range].prefix { $0 != 0 }, as: UTF8.self) }
        let name = field(0..<100)
        // POSIX ustar ("ustar\0") has a name prefix; GNU's own format ("ustar  ") keeps other fields there.
        let isPOSIX = block[257..<263].elementsEqual("ustar\0".utf8)
        let prefix = isPOSIX ? field(345..<500) : ""
        return prefix.isEmpty ? name : prefix + "/" + name
    }

    /// A numeric header field: octal digits between optional spaces and NULs, or GNU's base-256 form (first byte
    /// 0x80, big-endian after it). Nil for anything else, a negative base-256 value, or more than 2⁵³.
    static func number(_ field: ArraySlice<UInt8>) -> Int? {
        guard let first = field.first else { return nil }
        if first & 0x80 != 0 {
            guard first == 0x80 else { return nil }  // 0xFF: negative
            var value = 0
            for byte in field.dropFirst() {
                guard value < 1 << 45 else { return nil }
                value = value << 8 | Int(byte)
            }
            return value
        }
        let digits = field.drop { $0 == 0x20 }.prefix { $0 != 0 && $0 != 0x20 }
        guard !digits.isEmpty, digits.count <= 18 else { return digits.isEmpty && field.allSatisfy({ $0 == 0 || $0 == 0x20 }) ? 0 : nil }
        var value = 0
        for byte in digits {
            guard (0x30...0x37).contains(byte) else { return nil }
            value = value * 8 + Int(byte - 0x30)
        }
        return value
    }

    /// The `key=value` records of a PAX extended header (`<length> <key>=<value>\n` each), or nil when malformed.
    static func paxRecords(_ data: Data) -> [String: String]? {
        let bytes = [UInt8](data)
        var records: [String: String] = [:]
        var start = 0
        while start < bytes.count {
            if bytes[start] == 0 { break }  // padding
            guard let space = bytes[start...].firstIndex(of: 0x20), space - start <= 8,
                let length = Int(String(decoding: bytes[start..<space], as: UTF8.self)), length > space - start, length <= bytes.count - start,
                bytes[start + length - 1] == 0x0A
            else { return nil }
            let record = bytes[(space + 1)..<(start + length - 1)]
            guard let equals = record.firstIndex(of: 0x3D) else { return nil }
            records[String(decoding: record[record.startIndex..<equals], as: UTF8.self)] = String(decoding: record[(equals + 1)...], as: UTF8.self)
            start += length
        }
        return records
    }
}
