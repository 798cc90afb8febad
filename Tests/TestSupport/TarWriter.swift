import Foundation

/// Writes small ustar archives for tests (WebDataset shards with planted faults); real-world layouts (PAX, GNU
/// long names) come from Python's `tarfile` and GNU tar instead.
public enum TarWriter {
    /// An archive of `members` in order, each a 512-byte header and its data padded to 512, then the two zero
    /// blocks that end an archive.
    public static func archive(_ members: [(name: String, data: Data)]) -> Data {
        var out = Data()
        for (name, data) in members {
            out += header(name: name, size: data.count)
            out += data
            out += Data(count: (512 - data.count % 512) % 512)
        }
        return out + Data(count: 1024)
    }

    /// A ustar header for a regular file (`name` under 100 bytes), its checksum filled in.
    public static func header(name: String, size: Int, type: UInt8 = 0x30) -> Data {
        var block = [UInt8](repeating: 0, count: 512)
        func put(_ text: String, at offset: Int) { for (i, byte) in text.utf8.enumerated() { block[offset + i] = byte } }
        put(name, at: 0)
        put("0000644", at: 100)
        put("0000000", at: 108)
        put("0000000", at: 116)
        let octal = String(size, radix: 8)
        put(String(repeating: "0", count: max(0, 11 - octal.count)) + octal, at: 124)
        put("00000000000", at: 136)
        block[156] = type
        put("ustar", at: 257)
        put("00", at: 263)
        setChecksum(&block)
        return Data(block)
    }

    /// Recomputes the checksum of the header starting at `offset` (after a test has changed a field).
    public static func setChecksum(_ archive: inout Data, headerAt offset: Int) {
        var block = [UInt8](archive[offset..<(offset + 512)])
        setChecksum(&block)
        archive.replaceSubrange(offset..<(offset + 512), with: block)
    }

    private static func setChecksum(_ block: inout [UInt8]) {
        for i in 148..<156 { block[i] = 0x20 }
        let sum = block.reduce(0) { $0 + Int($1) }
        let digits = Array(String(sum, radix: 8).utf8)
        let field = [UInt8](repeating: 0x30, count: 6 - digits.count) + digits + [0, 0x20]
        for (i, byte) in field.enumerated() { block[148 + i] = byte }
    }
}
