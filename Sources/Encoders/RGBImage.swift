import CImageCodecs
import Foundation
import SafeFiles

/// An 8-bit RGB image, pixels interleaved row by row (`(y · width + x) · 3 + channel`).
public struct RGBImage: Sendable, Equatable {
    /// Width in pixels.
    public let width: Int
    /// Height in pixels.
    public let height: Int
    /// `width · height · 3` bytes.
    public let pixels: [UInt8]

    /// Creates an image from interleaved RGB bytes.
    public init(width: Int, height: Int, pixels: [UInt8]) throws(EncoderError) {
        guard width > 0, height > 0, pixels.count == width * height * 3 else {
            throw EncoderError("an RGB image of \(width)×\(height) needs \(max(0, width * height * 3)) bytes, got \(pixels.count)")
        }
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// Decodes a JPEG (TurboJPEG, accurate DCT), PNG, still WebP, GIF (its first frame), HEIC or AVIF held in memory, within `limits`.
    ///
    /// A JPEG warning (a truncated file, corrupt data) is an error, not a grey picture; transparency
    /// is composited onto white.
    /// - Throws: `EncoderError` with the decoder's reason when the data is not a readable image or is
    ///   over a limit.
    public static func decode(_ data: Data, limits: DecodeLimits = .standard) throws(EncoderError) -> RGBImage {
        var width: Int32 = 0
        var height: Int32 = 0
        var pixels: UnsafeMutablePointer<UInt8>?
        var message = [CChar](repeating: 0, count: 256)
        var bounds = limits.c
        let status = data.withUnsafeBytes { raw in
            cm_image_decode_rgb(
                raw.bindMemory(to: UInt8.self).baseAddress, raw.count, &bounds, &width, &height, &pixels,
                &message, message.count)
        }
        guard status == 0, let pixels else {
            let reason = String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw EncoderError(reason.isEmpty ? "cannot decode the image" : reason)
        }
        defer { cm_image_free(pixels) }
        let count = Int(width) * Int(height) * 3
        return RGBImage(
            checkedWidth: Int(width), height: Int(height), pixels: Array(UnsafeBufferPointer(start: pixels, count: count)))
    }

    /// The largest image file read, in bytes: far beyond any photo within the pixel cap.
    public static let maxFileBytes = 256 << 20

    /// Reads and decodes an image file within `limits`; errors name the file. Only regular files of at
    /// most ``maxFileBytes`` are read (not a FIFO or a device).
    public static func load(_ url: URL, limits: DecodeLimits = .standard) throws(EncoderError) -> RGBImage {
        try load(url) { data throws(EncoderError) in try decode(data, limits: limits) }
    }

    /// Reads an image file (a regular file of at most ``maxFileBytes``) and decodes it with `decoding`; errors
    /// name the file.
    static func load(_ url: URL, decoding: (Data) throws(EncoderError) -> RGBImage) throws(EncoderError) -> RGBImage {
        let data = try RegularFile.read(url, maxBytes: maxFileBytes, orThrow: EncoderError.init)
        do {
            return try decoding(data)
        } catch {
            throw EncoderError("\(url.path): \(error.message)")
        }
    }

    /// The image resampled to `width`×`height` by bilinear interpolation with half-pixel centres.
    ///
    /// Output pixel `(x, y)` samples the input at `((x + ½)·w/W − ½, (y + ½)·h/H − ½)`, clamped to the
    /// border, as OpenCV's `INTER_LINEAR` does (no antialiasing when shrinking).
    ///
    /// - Complexity: O(`width · height`).
    public func resizedBilinear(width newWidth: Int, height newHeight: Int) -> RGBImage {
        if newWidth == width && newHeight == height { return self }
        var output = [UInt8](repeating: 0, count: newWidth * newHeight * 3)
        let scaleX = Double(width) / Double(newWidth)
        let scaleY = Double(height) / Double(newHeight)
        for y in 0..<newHeight {
            let sourceY = min(max((Double(y) + 0.5) * scaleY - 0.5, 0), Double(height - 1))
            let y0 = Int(sourceY)
            let y1 = min(y0 + 1, height - 1)
            let fy = sourceY - Double(y0)
            for x in 0..<newWidth {
                let sourceX = min(max((Double(x) + 0.5) * scaleX - 0.5, 0), Double(width - 1))
                let x0 = Int(sourceX)
                let x1 = min(x0 + 1, width - 1)
                let fx = sourceX - Double(x0)
                for c in 0..<3 {
                    let top = Double(pixels[(y0 * width + x0) * 3 + c]) * (1 - fx) + Double(pixels[(y0 * width + x1) * 3 + c]) * fx
                    let bottom = Double(pixels[(y1 * width + x0) * 3 + c]) * (1 - fx) + Double(pixels[(y1 * width + x1) * 3 + c]) * fx
                    output[(y * newWidth + x) * 3 + c] = UInt8(min(255, max(0, (top * (1 - fy) + bottom * fy).rounded())))
                }
            }
        }
        return RGBImage(checkedWidth: newWidth, height: newHeight, pixels: output)
    }

    /// For sizes that are correct by construction (a turned image has the pixels of the stored one).
    init(orientedWidth width: Int, height: Int, pixels: [UInt8]) { self.init(checkedWidth: width, height: height, pixels: pixels) }

    /// For sizes that are correct by construction.
    private init(checkedWidth width: Int, height: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.pixels = pixels
    }
}
