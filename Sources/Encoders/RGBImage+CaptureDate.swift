import CImageCodecs
import Foundation

extension RGBImage {
    /// When a photo was taken, as its EXIF says: `DateTimeOriginal` (tag 0x9003 of the Exif directory), else
    /// `DateTime` (0x0132 of IFD0), in seconds since 1970-01-01 00:00 — the camera's wall clock read as UTC,
    /// since EXIF 2.2 stores no time zone. JPEG (APP1) and HEIC/HEIF/AVIF (the primary image's Exif item).
    ///
    /// Nil when the file has no such tag or its EXIF cannot be trusted (an offset or count past the block, a
    /// malformed or impossible date such as `0000:00:00 00:00:00`, which cameras write when unset): a photo is
    /// never refused for its metadata.
    /// - Complexity: O(markers before the scan + directory entries) for a JPEG; a HEIF container parse for HEIC.
    public static func captureDate(of data: Data) -> Double? {
        if data.count >= 12, data.dropFirst(4).starts(with: Array("ftyp".utf8)) {
            var exif: UnsafeMutablePointer<UInt8>?
            var size = 0
            let found = data.withUnsafeBytes { raw in
                cm_heif_exif(raw.bindMemory(to: UInt8.self).baseAddress, raw.count, &exif, &size) == 0
            }
            guard found, let exif else { return nil }
            defer { cm_image_free(exif) }
            return tiffDate(UnsafeBufferPointer(start: exif, count: size))
        }
        return data.withUnsafeBytes { raw in Orientation.jpegEXIF(raw.bindMemory(to: UInt8.self)).flatMap(tiffDate) }
    }

    /// `DateTimeOriginal` of the Exif directory, else `DateTime` of IFD0, in a TIFF structure.
    static func tiffDate(_ tiff: UnsafeBufferPointer<UInt8>) -> Double? {
        guard let reader = TIFFReader(tiff), let ifd0 = reader.u32(4) else { return nil }
        if let exifIFD = reader.entry(0x8769, in: ifd0).flatMap({ reader.long($0) }), let original = reader.entry(0x9003, in: exifIFD),
            let date = reader.ascii(original).flatMap(parseDate)
        {
            return date
        }
        return reader.entry(0x0132, in: ifd0).flatMap { reader.ascii($0) }.flatMap(parseDate)
    }

    /// `YYYY:MM:DD HH:MM:SS` (EXIF's form; `-` also accepted between the date's parts) as seconds since 1970 UTC,
    /// or nil when it is malformed or not a real date and time in years 1900–2999.
    /// - Complexity: O(1).
    static func parseDate(_ text: String) -> Double? {
        let characters = Array(text.utf8.prefix(19))
        guard characters.count == 19 else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for i in range {
                guard (48...57).contains(characters[i]) else { return nil }
                value = value * 10 + Int(characters[i] - 48)
            }
            return value
        }
        let separatorsOK = [4, 7].allSatisfy { characters[$0] == 58 || characters[$0] == 45 } && characters[10] == 32
            && characters[13] == 58 && characters[16] == 58
        guard separatorsOK, let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
            let minute = number(14..<16), let second = number(17..<19), (1900...2999).contains(year), (1...12).contains(month),
            hour < 24, minute < 60, second < 61
        else { return nil }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let lengths = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        guard (1...lengths[month - 1]).contains(day) else { return nil }
        // Days from 1970-01-01 to the date (proleptic Gregorian; Howard Hinnant's days-from-civil).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return Double(days * 86_400 + hour * 3_600 + minute * 60 + second)
    }
}
