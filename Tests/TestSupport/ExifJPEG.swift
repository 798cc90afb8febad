import Foundation

/// JPEG files with an EXIF block written by hand, for the orientation tests.
public enum ExifJPEG {
    /// An APP1 `Exif` segment holding a TIFF structure whose IFD0 has one entry: Orientation (0x0112), SHORT,
    /// count 1, `orientation`. `directoryOffset`, `entryCount` and `type` may be set to lie.
    public static func segment(
        orientation: Int, bigEndian: Bool = false, directoryOffset: UInt32 = 8, entryCount: UInt16 = 1, type: UInt16 = 3
    ) -> [UInt8] {
        func u16(_ v: UInt16) -> [UInt8] { bigEndian ? [UInt8(v >> 8), UInt8(v & 0xFF)] : [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func u32(_ v: UInt32) -> [UInt8] { bigEndian ? u16(UInt16(v >> 16)) + u16(UInt16(v & 0xFFFF)) : u16(UInt16(v & 0xFFFF)) + u16(UInt16(v >> 16)) }
        var tiff: [UInt8] = bigEndian ? [0x4D, 0x4D] : [0x49, 0x49]
        tiff += u16(42) + u32(directoryOffset) + u16(entryCount)
        // A tag before the orientation (ImageWidth), then the orientation, then the next-IFD link.
        tiff += u16(0x0112) + u16(type) + u32(1) + u16(UInt16(orientation)) + [0, 0]
        tiff += u32(0)
        let payload: [UInt8] = [0x45, 0x78, 0x69, 0x66, 0, 0] + tiff
        let length = payload.count + 2
        return [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
    }

    /// An APP1 `Exif` segment with a date: IFD0 holds DateTime (0x0132) = `dateTime` when given and a pointer (0x8769)
    /// to an Exif directory holding DateTimeOriginal (0x9003) = `original` when given. `originalOffset` may lie.
    public static func dateSegment(original: String?, dateTime: String? = nil, bigEndian: Bool = false, originalOffset: UInt32? = nil) -> [UInt8] {
        func u16(_ v: UInt16) -> [UInt8] { bigEndian ? [UInt8(v >> 8), UInt8(v & 0xFF)] : [UInt8(v & 0xFF), UInt8(v >> 8)] }
        func u32(_ v: UInt32) -> [UInt8] { bigEndian ? u16(UInt16(v >> 16)) + u16(UInt16(v & 0xFFFF)) : u16(UInt16(v & 0xFFFF)) + u16(UInt16(v >> 16)) }
        func ascii(_ text: String) -> [UInt8] { Array(text.utf8) + [0] }
        let entries = (dateTime == nil ? 0 : 1) + (original == nil ? 0 : 1)
        let ifd0End = 8 + 2 + entries * 12 + 4
        var data: [UInt8] = []  // what follows IFD0: the DateTime text, then the Exif directory and its text
        var ifd0: [UInt8] = u16(UInt16(entries))
        if let dateTime {
            ifd0 += u16(0x0132) + u16(2) + u32(UInt32(dateTime.utf8.count + 1)) + u32(UInt32(ifd0End + data.count))
            data += ascii(dateTime)
        }
        if let original {
            let directory = ifd0End + data.count
            ifd0 += u16(0x8769) + u16(4) + u32(1) + u32(UInt32(directory))
            data += u16(1) + u16(0x9003) + u16(2) + u32(UInt32(original.utf8.count + 1)) + u32(originalOffset ?? UInt32(directory + 18)) + u32(0)
            data += ascii(original)
        }
        ifd0 += u32(0)
        let tiff: [UInt8] = (bigEndian ? [0x4D, 0x4D] : [0x49, 0x49]) + u16(42) + u32(8) + ifd0 + data
        let payload: [UInt8] = [0x45, 0x78, 0x69, 0x66, 0, 0] + tiff
        let length = payload.count + 2
        return [0xFF, 0xE1, UInt8(length >> 8), UInt8(length & 0xFF)] + payload
    }

    /// `jpeg` with `segment` inserted right after its SOI marker.
    public static func inserting(_ segment: [UInt8], into jpeg: Data) -> Data {
        var bytes = [UInt8](jpeg)
        bytes.insert(contentsOf: segment, at: 2)
        return Data(bytes)
    }
}
