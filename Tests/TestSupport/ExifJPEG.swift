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

    /// `jpeg` with `segment` inserted right after its SOI marker.
    public static func inserting(_ segment: [UInt8], into jpeg: Data) -> Data {
        var bytes = [UInt8](jpeg)
        bytes.insert(contentsOf: segment, at: 2)
        return Data(bytes)
    }
}
