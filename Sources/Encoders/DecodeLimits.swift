import CImageCodecs

/// What decoding one image may cost, checked from the file's header before any pixel buffer exists.
///
/// A 391 KB JPEG can declare 10,000 × 10,000 pixels (750 MB decoded) and a 100 KB progressive JPEG
/// can hold 10,000 empty scans (a minute of CPU): both are refused before decoding. Large JPEGs that
/// pass are decoded at the smallest DCT scale (1/8 … 1) that still covers the encoder's input, which
/// is also faster than decoding every pixel and throwing most away.
public struct DecodeLimits: Sendable, Equatable {
    /// The most pixels (width × height as stored in the file) an image may have.
    public var maxPixels: Int
    /// The most scans a JPEG may have (a progressive JPEG has about 10).
    public var maxScans: Int
    /// JPEG: decode at a reduced scale as long as the result is at least this wide and high (0: full size).
    public var minimumSize: (width: Int, height: Int)

    /// Limits from their parts.
    public init(maxPixels: Int = DecodeLimits.defaultMaxPixels, maxScans: Int = 100, minimumSize: (width: Int, height: Int) = (0, 0)) {
        self.maxPixels = maxPixels
        self.maxScans = maxScans
        self.minimumSize = minimumSize
    }

    /// 40 megapixels: any camera photo, not a decompression bomb.
    public static let defaultMaxPixels = 40_000_000

    /// Full-size decoding within the default caps.
    public static let standard = DecodeLimits()

    /// The default caps, decoded no larger than EfficientNet-Lite0's 224 × 224 input needs.
    public static let forImageEncoder = DecodeLimits(minimumSize: (224, 224))

    /// These limits, decoding JPEGs no smaller than `side × side` (the input of a larger encoder).
    public func covering(_ side: Int) -> DecodeLimits {
        var limits = self
        limits.minimumSize = (max(minimumSize.width, side), max(minimumSize.height, side))
        return limits
    }

    public static func == (a: DecodeLimits, b: DecodeLimits) -> Bool {
        a.maxPixels == b.maxPixels && a.maxScans == b.maxScans && a.minimumSize == b.minimumSize
    }

    var c: cm_decode_limits {
        cm_decode_limits(
            max_pixels: max(0, maxPixels), max_scans: Int32(clamping: maxScans), min_width: Int32(clamping: minimumSize.width),
            min_height: Int32(clamping: minimumSize.height))
    }
}
