import Foundation
import Testing
@testable import Encoders

/// WebP, GIF, HEIC and AVIF decode to the picture they hold (fixtures made by `scripts/make_format_fixtures.py` from a
/// synthetic picture, compared with its PNG), with the limits JPEG and PNG have; damaged files are errors.
@Suite struct ImageFormatTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func load(_ name: String) throws -> Data { try Data(contentsOf: fixtures.appendingPathComponent(name)) }

    /// The mean absolute difference of two images' bytes, over the pixels `where` admits.
    static func meanDifference(_ a: RGBImage, _ b: RGBImage, where admits: (Int, Int) -> Bool = { _, _ in true }) -> Double {
        var total = 0.0, count = 0
        for y in 0..<a.height {
            for x in 0..<a.width where admits(x, y) {
                for c in 0..<3 {
                    let i = (y * a.width + x) * 3 + c
                    total += abs(Double(a.pixels[i]) - Double(b.pixels[i]))
                    count += 1
                }
            }
        }
        return total / Double(max(count, 1))
    }

    @Test func webPAndGIFHoldThePicture() throws {
        let reference = try RGBImage.decode(try Self.load("picture.png"))
        #expect((reference.width, reference.height) == (96, 64))
        // Lossy WebP (quality 92, chroma at half resolution) blurs the steps a little; the picture's 65 colours
        // fit a GIF palette exactly.
        // HEIC (x265) and AVIF (AOM) at quality 90 round the colours more (4:2:0 chroma, and a YCbCr matrix).
        for (name, tolerance) in [("picture.webp", 3.0), ("picture.gif", 0.0), ("animated.gif", 0.0), ("picture.heic", 6.0), ("picture.avif", 6.0)] {
            let image = try RGBImage.decode(try Self.load(name))
            #expect((image.width, image.height) == (96, 64), "\(name)")
            let difference = Self.meanDifference(image, reference)
            #expect(difference <= tolerance, "\(name): mean difference \(difference)")
        }
        // The GIF exactly as Pillow reads it: a palette lookup leaves nothing to round.
        #expect(try RGBImage.decode(try Self.load("picture.gif")) == (try RGBImage.decode(try Self.load("picture.gif.png"))))
        // The second frame of the animation (all blue) is not what is read.
        let first = try RGBImage.decode(try Self.load("animated.gif"))
        #expect(first.pixels[0...2] != [0, 0, 255])
        #expect(RGBImage.fileExtension(of: try Self.load("picture.webp")) == "webp")
        #expect(RGBImage.fileExtension(of: try Self.load("picture.gif")) == "gif")
        #expect(RGBImage.fileExtension(of: try Self.load("picture.png")) == "png")
        #expect(RGBImage.fileExtension(of: try Self.load("picture.heic")) == "heic")
        #expect(RGBImage.fileExtension(of: try Self.load("picture.avif")) == "avif")
    }

    /// Transparent pixels are white, as PNG transparency is; the rest is the picture (lossless WebP).
    @Test func webPTransparencyIsWhite() throws {
        let reference = try RGBImage.decode(try Self.load("picture.png"))
        let image = try RGBImage.decode(try Self.load("transparent-corner.webp"))
        #expect(Self.meanDifference(image, reference) { x, y in x >= 16 || y >= 16 } == 0)
        for y in 0..<16 {
            for x in 0..<16 { #expect(Array(image.pixels[((y * 96 + x) * 3)..<((y * 96 + x) * 3 + 3)]) == [255, 255, 255]) }
        }
    }

    /// A grid image (how phones store HEIC photos: tiles of one coded picture each) decodes whole: 2 × 2 tiles of
    /// the picture give 192 × 128 pixels, each quadrant the picture exactly as the single-image file decodes.
    @Test func heicGridDecodesWhole() throws {
        let tile = try RGBImage.decode(try Self.load("picture.heic"))
        let grid = try RGBImage.decode(try Self.load("grid.heic"))
        #expect((grid.width, grid.height) == (192, 128))
        for (ox, oy) in [(0, 0), (96, 0), (0, 64), (96, 64)] {
            var differing = 0
            for y in 0..<64 {
                for x in 0..<96 {
                    let g = ((oy + y) * 192 + ox + x) * 3, t = (y * 96 + x) * 3
                    if grid.pixels[g..<g + 3] != tile.pixels[t..<t + 3] { differing += 1 }
                }
            }
            #expect(differing == 0, "tile at (\(ox), \(oy)): \(differing) pixels differ")
        }
        // The same file listing more items than any photo needs is refused before libheif parses it.
        var flood = [UInt8](try Self.load("grid.heic"))
        let iinf = try #require(flood.indices.first { flood[$0..<min(flood.count, $0 + 4)].elementsEqual("iinf".utf8) })
        (flood[iinf + 8], flood[iinf + 9]) = (0x03, 0xE9)  // entry count 1,001 (version 0: 16 bits)
        do {
            _ = try RGBImage.decode(Data(flood))
            Issue.record("a HEIF file listing 1,001 items was decoded")
        } catch {
            #expect(error.message.contains("1001 images"), "\(error.message)")
        }
    }

    /// A HEIC as a phone held sideways writes it (pixels stored a quarter turn clockwise, an `irot` box saying to turn
    /// them back) decodes upright: the picture, within HEIC's rounding; ignoring the box would give 64 × 96.
    @Test func heicRotationIsApplied() throws {
        let reference = try RGBImage.decode(try Self.load("picture.png"))
        let upright = try RGBImage.decodeUpright(try Self.load("rotated.heic"))
        #expect((upright.width, upright.height) == (96, 64))
        let difference = Self.meanDifference(upright, reference)
        #expect(difference <= 6.0, "mean difference \(difference)")
    }

    /// Over the pixel limit from the header alone; damaged and cut files are errors that say so.
    @Test func limitsAndDamage() throws {
        let small = DecodeLimits(maxPixels: 96 * 64 - 1)
        for name in ["picture.webp", "picture.gif", "picture.heic", "picture.avif"] {
            #expect(throws: EncoderError.self, "\(name)") { try RGBImage.decode(try Self.load(name), limits: small) }
            let data = try Self.load(name)
            for cut in [12, data.count / 3, data.count - 8] {
                #expect(throws: EncoderError.self, "\(name) cut at \(cut)") { try RGBImage.decode(data.prefix(cut)) }
            }
        }
        // A GIF whose logical screen claims 65,535 × 65,535: refused before any canvas exists.
        var bomb = [UInt8](try Self.load("picture.gif"))
        bomb[6] = 0xFF; bomb[7] = 0xFF; bomb[8] = 0xFF; bomb[9] = 0xFF
        do {
            _ = try RGBImage.decode(Data(bomb))
            Issue.record("a 65,535 × 65,535 GIF was decoded")
        } catch {
            #expect(error.message.contains("65535 x 65535"), "\(error.message)")
        }
    }
}
