import Foundation
import TestSupport
import Testing
@testable import Encoders

/// EXIF orientation: read from a JPEG's own bytes (and ignored when the block lies), and applied as the EXIF
/// specification describes each value.
@Suite struct OrientationTests {
    /// A 3×2 image whose six pixels all differ.
    static func stored() throws -> RGBImage { try RGBImage(width: 3, height: 2, pixels: (0..<18).map { UInt8($0 * 10) }) }

    static func pixel(_ image: RGBImage, _ x: Int, _ y: Int) -> [UInt8] {
        Array(image.pixels[((y * image.width + x) * 3)..<((y * image.width + x) * 3 + 3)])
    }

    /// The oracle is the specification's own words: for each value, which side of the shown picture the stored
    /// 0th row is on and which the stored 0th column is on (EXIF 2.32, tag 0x0112). So stored (0, 0) is shown at
    /// the corner of those two sides, the far end of row 0 at the row side's other corner, the far end of
    /// column 0 at the column side's other corner.
    @Test(arguments: RGBImage.Orientation.allCases) func eachValueTurnsAsTheSpecificationSays(orientation: RGBImage.Orientation) throws {
        enum Side { case top, bottom, left, right }
        let sides: [RGBImage.Orientation: (row: Side, column: Side)] = [
            .up: (.top, .left), .upMirrored: (.top, .right), .down: (.bottom, .right), .downMirrored: (.bottom, .left),
            .leftMirrored: (.left, .top), .right: (.right, .top), .rightMirrored: (.right, .bottom), .left: (.left, .bottom),
        ]
        let image = try Self.stored()
        let shown = image.oriented(orientation)
        let (row, column) = try #require(sides[orientation])
        let swapped = row == .left || row == .right
        #expect((shown.width, shown.height) == (swapped ? (image.height, image.width) : (image.width, image.height)))
        /// The shown corner on sides a and b.
        func corner(_ a: Side, _ b: Side) -> [UInt8] {
            let x = (a == .right || b == .right) ? shown.width - 1 : 0
            let y = (a == .bottom || b == .bottom) ? shown.height - 1 : 0
            return Self.pixel(shown, x, y)
        }
        func opposite(_ side: Side) -> Side {
            switch side {
            case .top: .bottom
            case .bottom: .top
            case .left: .right
            case .right: .left
            }
        }
        #expect(corner(row, column) == Self.pixel(image, 0, 0))
        #expect(corner(row, opposite(column)) == Self.pixel(image, image.width - 1, 0))
        #expect(corner(opposite(row), column) == Self.pixel(image, 0, image.height - 1))
        #expect(Set(stride(from: 0, to: shown.pixels.count, by: 3).map { Array(shown.pixels[$0..<$0 + 3]) }).count == 6)
    }

    @Test func theTagIsReadInBothByteOrders() throws {
        let jpeg = try DecodeLimitsTests.jpeg(width: 40, height: 24)
        #expect(RGBImage.Orientation.ofJPEG(jpeg) == .up)
        for value in 1...8 {
            for bigEndian in [false, true] {
                let tagged = ExifJPEG.inserting(ExifJPEG.segment(orientation: value, bigEndian: bigEndian), into: jpeg)
                #expect(RGBImage.Orientation.ofJPEG(tagged).rawValue == value)
            }
        }
        // Decoded upright: a quarter turn swaps the sides, and the pixels are the plain decode's turned.
        let tagged = ExifJPEG.inserting(ExifJPEG.segment(orientation: 6), into: jpeg)
        let upright = try RGBImage.decodeUpright(tagged)
        #expect((upright.width, upright.height) == (24, 40))
        #expect(upright == (try RGBImage.decode(tagged)).oriented(.right))
        #expect(try RGBImage.decode(tagged) == (try RGBImage.decode(jpeg)))
    }

    /// A block that lies is ignored, never read past its segment, and never stops the photo being read.
    @Test func aLyingBlockIsIgnored() throws {
        let jpeg = try DecodeLimitsTests.jpeg(width: 16, height: 8)
        let lies: [[UInt8]] = [
            ExifJPEG.segment(orientation: 6, directoryOffset: 0xFFFF_FFF0),  // IFD0 far past the end
            ExifJPEG.segment(orientation: 6, directoryOffset: 0x7FFF_FFFF),
            ExifJPEG.segment(orientation: 6, entryCount: 0xFFFF),  // more entries than bytes: only those present are read
            ExifJPEG.segment(orientation: 6, type: 4),  // LONG, not SHORT
            ExifJPEG.segment(orientation: 9),  // no such orientation
            ExifJPEG.segment(orientation: 0),
            [0xFF, 0xE1, 0x00, 0x08] + [0x45, 0x78, 0x69, 0x66, 0, 0],  // an Exif header and no TIFF
            [0xFF, 0xE1, 0xFF, 0xFF, 0x45, 0x78],  // a length past the end of the file
            [0xFF, 0xE1, 0x00, 0x00],  // a length below its own two bytes
        ]
        for (number, lie) in lies.enumerated() {
            let data = ExifJPEG.inserting(lie, into: jpeg)
            let orientation = RGBImage.Orientation.ofJPEG(data)
            #expect(orientation == .up || number == 2, "lie \(number)")
            if number == 2 { #expect(orientation == .right, "the one entry present is still read") }
        }
        // A segment cut short whose length runs on into the picture's own markers, and a file truncated in every
        // place: the reader stays inside the bytes it has (under the address sanitizer too), whatever it finds.
        let cut = ExifJPEG.inserting(Array(ExifJPEG.segment(orientation: 6).prefix(14)), into: jpeg)
        for end in 2...80 { _ = RGBImage.Orientation.ofJPEG(cut.prefix(end)) }
        // Cut anywhere inside the segment it is not trusted; once the segment is whole it is read.
        let segment = ExifJPEG.segment(orientation: 6)
        let whole = ExifJPEG.inserting(segment, into: jpeg)
        for end in 2..<(2 + segment.count) { #expect(RGBImage.Orientation.ofJPEG(whole.prefix(end)) == .up, "cut at \(end)") }
        #expect(RGBImage.Orientation.ofJPEG(whole.prefix(2 + segment.count)) == .right)
        // Not JPEG at all.
        #expect(RGBImage.Orientation.ofJPEG(Data([0x89, 0x50, 0x4E, 0x47])) == .up)
        #expect(RGBImage.Orientation.ofJPEG(Data()) == .up)
    }
}
