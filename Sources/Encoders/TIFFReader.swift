/// Bounds-checked reads of a TIFF structure (EXIF's payload) in its byte order: every read past the block is nil,
/// so a lying offset or count never reads outside it (EXIF orientation and capture dates read through it).
struct TIFFReader {
    let tiff: UnsafeBufferPointer<UInt8>
    let little: Bool

    init?(_ tiff: UnsafeBufferPointer<UInt8>) {
        guard tiff.count >= 8 else { return nil }
        switch (tiff[tiff.startIndex], tiff[tiff.startIndex + 1]) {
        case (0x49, 0x49): little = true
        case (0x4D, 0x4D): little = false
        default: return nil
        }
        self.tiff = tiff
        guard u16(2) == 42 else { return nil }
    }

    /// The 16-bit value at `offset`, or nil past the block.
    func u16(_ offset: Int) -> Int? {
        guard offset >= 0, offset <= tiff.count - 2 else { return nil }
        let a = Int(tiff[tiff.startIndex + offset]), b = Int(tiff[tiff.startIndex + offset + 1])
        return little ? a | b << 8 : a << 8 | b
    }

    /// The 32-bit value at `offset`, or nil past the block.
    func u32(_ offset: Int) -> Int? {
        guard let high = u16(offset + (little ? 2 : 0)), let low = u16(offset + (little ? 0 : 2)) else { return nil }
        return high << 16 | low
    }

    /// The offset of the 12-byte entry for `tag` in the directory at `directory`, or nil. A count that runs past the
    /// block is read only as far as it holds.
    func entry(_ tag: Int, in directory: Int) -> Int? {
        guard let entries = u16(directory) else { return nil }
        for index in 0..<min(entries, max(0, (tiff.count - directory - 2) / 12)) {
            let at = directory + 2 + index * 12
            if u16(at) == tag { return at }
        }
        return nil
    }

    /// A LONG (type 4, count 1) entry's value.
    func long(_ entry: Int) -> Int? {
        guard u16(entry + 2) == 4, u32(entry + 4) == 1 else { return nil }
        return u32(entry + 8)
    }

    /// An ASCII (type 2) entry's text, up to its first NUL; at most 64 bytes are read.
    func ascii(_ entry: Int) -> String? {
        guard u16(entry + 2) == 2, let count = u32(entry + 4), count >= 1, count <= 64 else { return nil }
        let start: Int
        if count <= 4 {
            start = entry + 8
        } else {
            guard let offset = u32(entry + 8) else { return nil }
            start = offset
        }
        guard start >= 0, start <= tiff.count - count else { return nil }
        let bytes = tiff[(tiff.startIndex + start)..<(tiff.startIndex + start + count)].prefix { $0 != 0 }
        return String(decoding: bytes, as: UTF8.self)
    }
}
