import CImageCodecs
import Foundation

extension RGBImage {
    /// The image scaled to fit in `maxSide`×`maxSide` (never enlarged), keeping its aspect ratio.
    ///
    /// Halves by 2×2 box averaging while the image is at least twice the target, then finishes
    /// bilinearly, so large reductions do not alias the way a plain bilinear shrink does.
    /// - Complexity: O(`width · height`).
    public func thumbnail(maxSide: Int) -> RGBImage {
        let side = max(1, maxSide)
        let scale = min(1, Double(side) / Double(max(width, height)))
        let targetWidth = max(1, Int((Double(width) * scale).rounded()))
        let targetHeight = max(1, Int((Double(height) * scale).rounded()))
        var image = self
        while image.width >= 2 * targetWidth, image.height >= 2 * targetHeight {
            image = image.halved()
        }
        return image.resizedBilinear(width: targetWidth, height: targetHeight)
    }

    /// Each 2×2 block averaged into one pixel (an odd last row or column is dropped).
    func halved() -> RGBImage {
        let w = width / 2, h = height / 2
        var output = [UInt8](repeating: 0, count: w * h * 3)
        for y in 0..<h {
            for x in 0..<w {
                for c in 0..<3 {
                    let a = Int(pixels[((2 * y) * width + 2 * x) * 3 + c]) + Int(pixels[((2 * y) * width + 2 * x + 1) * 3 + c])
                    let b = Int(pixels[((2 * y + 1) * width + 2 * x) * 3 + c]) + Int(pixels[((2 * y + 1) * width + 2 * x + 1) * 3 + c])
                    output[(y * w + x) * 3 + c] = UInt8((a + b + 2) / 4)
                }
            }
        }
        // Sizes are positive by construction: callers halve only images at least twice the target.
        return (try? RGBImage(width: w, height: h, pixels: output)) ?? self
    }

    /// The image as a baseline JPEG (TurboJPEG, 4:2:0 chroma) of `quality` 1–100.
    ///
    /// - Throws: `EncoderError` when the encoder refuses the image.
    public func jpegData(quality: Int = 85) throws(EncoderError) -> Data {
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: 256)
        let status = pixels.withUnsafeBufferPointer {
            cm_image_encode_jpeg($0.baseAddress, Int32(width), Int32(height), Int32(min(max(quality, 1), 100)), &output, &size, &message, message.count)
        }
        guard status == 0, let output else {
            throw EncoderError("cannot encode JPEG: " + String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        defer { cm_image_free(output) }
        return Data(bytes: output, count: size)
    }
}

extension RGBImage {
    /// The image mirrored left to right (the horizontal flip of data augmentation).
    ///
    /// - Complexity: O(`width · height`).
    public func mirrored() -> RGBImage {
        var output = [UInt8](repeating: 0, count: pixels.count)
        for y in 0..<height {
            for x in 0..<width {
                let from = (y * width + x) * 3, to = (y * width + (width - 1 - x)) * 3
                output[to] = pixels[from]
                output[to + 1] = pixels[from + 1]
                output[to + 2] = pixels[from + 2]
            }
        }
        // Same size as a valid image: the initialiser's checks cannot fail.
        return (try? RGBImage(width: width, height: height, pixels: output)) ?? self
    }
}
