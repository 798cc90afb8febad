import Foundation
import Numerics
import Testing
@testable import Encoders

#if canImport(Glibc)
import Glibc
#endif

/// Hostile images are refused from their headers, before any pixel buffer exists; damaged ones are
/// errors, not grey pictures; transparency never shows uninitialised memory.
@Suite struct DecodeLimitsTests {
    /// A smooth real JPEG of the given size, from our own encoder.
    static func jpeg(width: Int, height: Int) throws -> Data {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for y in 0..<height {
            for x in 0..<width {
                pixels[(y * width + x) * 3] = UInt8((x * 255) / max(width - 1, 1))
                pixels[(y * width + x) * 3 + 1] = UInt8((y * 255) / max(height - 1, 1))
                pixels[(y * width + x) * 3 + 2] = 128
            }
        }
        return try RGBImage(width: width, height: height, pixels: pixels).jpegData(quality: 90)
    }

    /// The offset of the first marker `marker` (0xFF then the code) after SOI.
    static func marker(_ code: UInt8, in data: Data) -> Int? {
        let bytes = [UInt8](data)
        return (2..<(bytes.count - 1)).first { bytes[$0] == 0xFF && bytes[$0 + 1] == code }
    }

    @Test func aDecompressionBombIsRefusedFromItsHeader() throws {
        var data = try Self.jpeg(width: 64, height: 48)
        let sof = try #require(Self.marker(0xC0, in: data))
        // SOF0: FF C0, length (2), precision (1), height (2), width (2).
        data[sof + 5] = 0x27; data[sof + 6] = 0x10  // 10,000
        data[sof + 7] = 0x27; data[sof + 8] = 0x10
        let error = try #require(throws: EncoderError.self) { try RGBImage.decode(data) }
        #expect(error.message.contains("10000 x 10000 pixels, more than the limit of 40000000"))
    }

    @Test func aScanFloodIsRefusedBeforeDecoding() throws {
        let data = try Self.jpeg(width: 32, height: 32)
        let eoi = data.count - 2
        let sos = try #require(Self.marker(0xDA, in: data))
        let length = Int(data[sos + 2]) << 8 | Int(data[sos + 3])
        // Repeat an empty scan (its header and one byte of data) 10,000 times before EOI.
        let emptyScan = data[sos..<(sos + 2 + length)] + Data([0x00])
        var flood = data[..<eoi]
        for _ in 0..<10_000 { flood.append(emptyScan) }
        flood.append(contentsOf: [0xFF, 0xD9])
        let started = Date()
        let error = try #require(throws: EncoderError.self) { try RGBImage.decode(Data(flood)) }
        #expect(error.message.contains("more than 100 scans"))
        #expect(Date().timeIntervalSince(started) < 1)
    }

    @Test func aTruncatedJPEGIsAnErrorNotAGreyPicture() throws {
        let data = try Self.jpeg(width: 64, height: 64)
        let sos = try #require(Self.marker(0xDA, in: data))
        let length = Int(data[sos + 2]) << 8 | Int(data[sos + 3])
        let cut = data.prefix(sos + 2 + length + 10)
        let error = try #require(throws: EncoderError.self) { try RGBImage.decode(Data(cut)) }
        #expect(error.message.lowercased().contains("premature end"))
        #expect(try RGBImage.decode(data).width == 64)
    }

    @Test func largeJPEGsDecodeAtTheSmallestScaleThatCoversTheInput() throws {
        let data = try Self.jpeg(width: 2000, height: 1500)
        let full = try RGBImage.decode(data)
        #expect(full.width == 2000 && full.height == 1500)
        let scaled = try RGBImage.decode(data, limits: .forImageEncoder)
        #expect(scaled.width == 500 && scaled.height == 375)
        // An image already at the input size is decoded as it is.
        let small = try Self.jpeg(width: 224, height: 224)
        #expect(try RGBImage.decode(small, limits: .forImageEncoder) == RGBImage.decode(small))
    }

    @Test func transparentPNGPixelsAreWhiteEveryTime() throws {
        // 2 × 1 RGBA: an opaque red pixel and a fully transparent green one.
        let png = PNGWriter.rgba(width: 2, height: 1, pixels: [255, 0, 0, 255, 0, 255, 0, 0])
        let first = try RGBImage.decode(png)
        #expect(first.pixels == [255, 0, 0, 255, 255, 255])
        for _ in 0..<20 { #expect(try RGBImage.decode(png) == first) }
        // A header declaring 48 megapixels over an empty image stream: refused before any buffer exists.
        let big = PNGWriter.rgba(width: 8000, height: 6000, pixels: [])
        let error = try #require(throws: EncoderError.self) { try RGBImage.decode(big) }
        #expect(error.message.contains("8000 x 6000 pixels, more than the limit"))
    }

    @Test func aFIFOIsRefusedWithoutWaiting() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("crossmodal-fifo-\(UUID().uuidString).jpg").path
        #if canImport(Glibc)
        try #require(mkfifo(path, 0o600) == 0)
        defer { unlink(path) }
        let error = try #require(throws: EncoderError.self) { try RGBImage.load(URL(fileURLWithPath: path)) }
        #expect(error.message.contains("is not a regular file (a FIFO)"))
        #endif
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: Reference.shared.appendingPathComponent("flickr8k/images").path), "needs ../shared"))
    func noRealPhotoInSharedIsRefused() throws {
        var files: [URL] = []
        for folder in ["flickr8k/images", "newsimages/images"] {
            let url = Reference.shared.appendingPathComponent(folder)
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: url.path) else { continue }
            files += names.sorted().map { url.appendingPathComponent($0) }
        }
        #expect(files.count > 7000)
        let refused = Parallel.map(files.count) { index -> String? in
            do {
                _ = try RGBImage.load(files[index], limits: .forImageEncoder)
                return nil
            } catch {
                return "\(error)"
            }
        }.compactMap { $0 }
        #expect(refused.isEmpty, "\(refused.count) refused, e.g. \(refused.prefix(5))")
    }
}

/// A minimal PNG writer for tests: 8-bit RGBA, stored (uncompressed) deflate blocks.
enum PNGWriter {
    static func rgba(width: Int, height: Int, pixels: [UInt8]) -> Data {
        var raw: [UInt8] = []
        for y in 0..<height where !pixels.isEmpty {
            raw.append(0)  // filter: none
            raw += pixels[(y * width * 4)..<((y + 1) * width * 4)]
        }
        var zlib: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let count = min(65535, raw.count - offset)
            let last: UInt8 = offset + count >= raw.count ? 1 : 0
            zlib += [last, UInt8(count & 0xFF), UInt8(count >> 8), UInt8(~count & 0xFF), UInt8((~count >> 8) & 0xFF)]
            zlib += raw[offset..<(offset + count)]
            offset += count
        } while offset < raw.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in raw { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
        zlib += bigEndian((b << 16) | a)
        var data: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        data += chunk("IHDR", bigEndian(UInt32(width)) + bigEndian(UInt32(height)) + [8, 6, 0, 0, 0])
        data += chunk("IDAT", zlib)
        data += chunk("IEND", [])
        return Data(data)
    }

    static func bigEndian(_ value: UInt32) -> [UInt8] { [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)] }

    static func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + body
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in typed {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return bigEndian(UInt32(body.count)) + typed + bigEndian(~crc)
    }
}
