import Foundation
import Testing
import TestSupport

@testable import Encoders

/// When a photo was taken, from its EXIF: which tag wins, the calendar arithmetic against Python's `datetime`, HEIC's
/// Exif item, and blocks that lie.
@Suite struct CaptureDateTests {
    static let jpeg = Data([0xFF, 0xD8, 0xFF, 0xD9])

    static func date(_ segment: [UInt8]) -> Double? { RGBImage.captureDate(of: ExifJPEG.inserting(segment, into: jpeg)) }

    /// Seconds since 1970 from `datetime.datetime(…, tzinfo=timezone.utc).timestamp()`.
    @Test func datesAgreeWithPython() {
        let cases: [(String, Double)] = [
            ("2019:07:04 10:00:00", 1_562_234_400), ("2024:02:29 12:34:56", 1_709_210_096), ("1999:12:31 23:59:59", 946_684_799),
            ("1900:03:01 00:00:00", -2_203_891_200), ("2100:01:01 00:00:00", 4_102_444_800), ("2024-02-29 12:34:56", 1_709_210_096),
        ]
        for (text, seconds) in cases { #expect(RGBImage.parseDate(text) == seconds, "\(text)") }
        for bad in ["0000:00:00 00:00:00", "2023:02:29 00:00:00", "2024:13:01 00:00:00", "2024:01:01 24:00:00", "2024:01:01", "    :  :     :  :  ",
                    "2024/01/01 00:00:00", "1899:12:31 23:59:59", "2024:0a:01 00:00:00"] {
            #expect(RGBImage.parseDate(bad) == nil, "\(bad)")
        }
    }

    @Test func originalWinsOverDateTimeInEitherByteOrder() {
        for bigEndian in [false, true] {
            #expect(Self.date(ExifJPEG.dateSegment(original: "2019:07:04 10:00:00", dateTime: "2020:01:01 00:00:00", bigEndian: bigEndian)) == 1_562_234_400)
            #expect(Self.date(ExifJPEG.dateSegment(original: nil, dateTime: "2019:07:04 10:00:00", bigEndian: bigEndian)) == 1_562_234_400)
        }
        // An unset original (all zeros, as cameras write it) falls back to DateTime.
        #expect(Self.date(ExifJPEG.dateSegment(original: "0000:00:00 00:00:00", dateTime: "2019:07:04 10:00:00")) == 1_562_234_400)
        #expect(Self.date(ExifJPEG.dateSegment(original: nil)) == nil)
        #expect(RGBImage.captureDate(of: Self.jpeg) == nil)
    }

    /// Offsets past the block and cut blocks give no date, never a crash or a read outside the file.
    @Test func lyingBlocksGiveNoDate() {
        #expect(Self.date(ExifJPEG.dateSegment(original: "2019:07:04 10:00:00", originalOffset: 0xFFFF_FFF0)) == nil)
        #expect(Self.date(ExifJPEG.dateSegment(original: "2019:07:04 10:00:00", originalOffset: 60)) == nil)  // runs past the end
        let whole = ExifJPEG.dateSegment(original: "2019:07:04 10:00:00")
        for cut in stride(from: 10, to: whole.count, by: 7) {
            var segment = Array(whole.prefix(cut))
            (segment[2], segment[3]) = (UInt8((cut - 2) >> 8), UInt8((cut - 2) & 0xFF))
            #expect(Self.date(segment) == nil, "cut at \(cut)")  // the text with its NUL must fit in the block
        }
        #expect(Self.date([0xFF, 0xE1, 0x00, 0x08, 0x45, 0x78, 0x69, 0x66, 0, 0]) == nil)
    }

    /// A HEIC's Exif item (written by heif-enc from a JPEG's EXIF, scripts/make_format_fixtures.py): DateTimeOriginal
    /// 2018:05:06 07:08:09; a HEIC without one has no date; a cut one none either.
    @Test func heicExifItem() throws {
        let dated = try Data(contentsOf: ImageFormatTests.fixtures.appendingPathComponent("dated.heic"))
        #expect(RGBImage.captureDate(of: dated) == 1_525_590_489)
        #expect(RGBImage.captureDate(of: try Data(contentsOf: ImageFormatTests.fixtures.appendingPathComponent("picture.heic"))) == nil)
        #expect(RGBImage.captureDate(of: dated.prefix(dated.count / 2)) == nil)
    }
}
