import Foundation

extension RGBImage {
    /// How a camera says a stored JPEG should be turned for display: the EXIF `Orientation` tag (0x0112).
    ///
    /// Phones store pixels as the sensor read them and record the turn in EXIF; a viewer that ignores it
    /// shows a portrait photo lying on its side, and so would the image encoder.
    public enum Orientation: Int, Sendable, CaseIterable {
        /// As stored.
        case up = 1
        /// Mirrored left to right.
        case upMirrored = 2
        /// Turned half a turn.
        case down = 3
        /// Mirrored top to bottom.
        case downMirrored = 4
        /// Mirrored along the main diagonal (transposed).
        case leftMirrored = 5
        /// To be turned a quarter turn clockwise for display.
        case right = 6
        /// Mirrored along the other diagonal.
        case rightMirrored = 7
        /// To be turned a quarter turn anticlockwise for display.
        case left = 8

        /// The orientation a JPEG file records, or `.up` when it records none or its EXIF block cannot be
        /// trusted (an offset or count past the end of its segment, an unknown byte order or value): a
        /// photo is never refused for its metadata.
        ///
        /// Walks the markers from SOI up to the first scan, looks in the first APP1 segment starting
        /// `Exif\0\0` for a TIFF header, and in its first image file directory (IFD0) for tag 0x0112, type
        /// SHORT, count 1. Every offset is checked against the segment before it is read.
        /// - Complexity: O(markers before the scan + entries of IFD0), each bounded by the file's length.
        public static func ofJPEG(_ data: Data) -> Orientation {
            data.withUnsafeBytes { raw in
                jpegEXIF(raw.bindMemory(to: UInt8.self)).flatMap(tiffOrientation) ?? .up
            }
        }

        /// The TIFF structure of a JPEG's first APP1 `Exif\0\0` segment before its first scan, or nil.
        ///
        /// Walks the markers from SOI; every length is checked against the file before it is followed.
        /// - Complexity: O(markers before the scan).
        static func jpegEXIF(_ bytes: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8>? {
            guard bytes.count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { return nil }
            var position = 2
            while position + 4 <= bytes.count {
                guard bytes[position] == 0xFF else { return nil }
                let marker = bytes[position + 1]
                if marker == 0xFF { position += 1; continue }  // fill bytes before a marker
                if marker == 0xDA || marker == 0xD9 { return nil }  // the scan (or the end) comes before any EXIF
                if (0xD0...0xD7).contains(marker) || marker == 0x01 { position += 2; continue }  // markers without a length
                let length = Int(bytes[position + 2]) << 8 | Int(bytes[position + 3])
                guard length >= 2, position + 2 + length <= bytes.count else { return nil }
                let segment = UnsafeBufferPointer(rebasing: bytes[(position + 4)..<(position + 2 + length)])
                if marker == 0xE1, segment.count >= 6, Array(segment.prefix(6)) == [0x45, 0x78, 0x69, 0x66, 0, 0] {
                    return UnsafeBufferPointer(rebasing: segment[(segment.startIndex + 6)...])
                }
                position += 2 + length
            }
            return nil
        }

        /// Tag 0x0112 of IFD0 in a TIFF structure (EXIF's payload), or nil when absent or untrustworthy.
        static func tiffOrientation(_ tiff: UnsafeBufferPointer<UInt8>) -> Orientation? {
            guard let reader = TIFFReader(tiff), let directory = reader.u32(4), let entry = reader.entry(0x0112, in: directory),
                reader.u16(entry + 2) == 3, reader.u32(entry + 4) == 1, let value = reader.u16(entry + 8)
            else { return nil }
            return Orientation(rawValue: value)
        }
    }

    /// The image turned and mirrored as `orientation` says, so that it stands as the camera saw it.
    ///
    /// For orientations 5–8 width and height swap. Output pixel (x′, y′) takes stored pixel (x, y):
    /// 2: (W−1−x′, y′); 3: (W−1−x′, H−1−y′); 4: (x′, H−1−y′); 5: (y′, x′); 6: (y′, H−1−x′);
    /// 7: (W−1−y′, H−1−x′); 8: (W−1−y′, x′), where W×H is the stored size.
    /// - Complexity: O(width · height).
    public func oriented(_ orientation: Orientation) -> RGBImage {
        guard orientation != .up else { return self }
        let swaps = orientation.rawValue >= 5
        let (outWidth, outHeight) = swaps ? (height, width) : (width, height)
        var output = [UInt8](repeating: 0, count: pixels.count)
        let (w, h) = (width, height)
        pixels.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                for y in 0..<outHeight {
                    for x in 0..<outWidth {
                        let (sx, sy): (Int, Int)
                        switch orientation {
                        case .up: (sx, sy) = (x, y)
                        case .upMirrored: (sx, sy) = (w - 1 - x, y)
                        case .down: (sx, sy) = (w - 1 - x, h - 1 - y)
                        case .downMirrored: (sx, sy) = (x, h - 1 - y)
                        case .leftMirrored: (sx, sy) = (y, x)
                        case .right: (sx, sy) = (y, h - 1 - x)
                        case .rightMirrored: (sx, sy) = (w - 1 - y, h - 1 - x)
                        case .left: (sx, sy) = (w - 1 - y, x)
                        }
                        let from = (sy * w + sx) * 3, to = (y * outWidth + x) * 3
                        target[to] = source[from]
                        target[to + 1] = source[from + 1]
                        target[to + 2] = source[from + 2]
                    }
                }
            }
        }
        return RGBImage(orientedWidth: outWidth, height: outHeight, pixels: output)
    }

    /// The usual file ending of encoded image bytes, from their signature: `jpg`, `png`, `webp`, `gif`, `heic` or `avif`
    /// (`jpg` for anything else, which the decoder refuses anyway).
    public static func fileExtension(of data: Data) -> String {
        if data.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return "png" }
        if data.count >= 12, data.starts(with: Array("RIFF".utf8)), data.dropFirst(8).starts(with: Array("WEBP".utf8)) { return "webp" }
        if data.starts(with: Array("GIF8".utf8)) { return "gif" }
        if data.count >= 12, data.dropFirst(4).starts(with: Array("ftyp".utf8)) {
            let brand = String(decoding: data.dropFirst(8).prefix(4), as: UTF8.self)
            return brand.hasPrefix("avi") ? "avif" : "heic"
        }
        return "jpg"
    }

    /// Decodes a JPEG, PNG, WebP, GIF, HEIC or AVIF and, for a JPEG, applies its EXIF orientation (HEIC and AVIF
    /// are turned by their container's own boxes as they decode, which the format puts above EXIF); see ``decode(_:limits:)``.
    /// The orientation is read first: it never allocates, and a lying block only means `.up`.
    public static func decodeUpright(_ data: Data, limits: DecodeLimits = .standard) throws(EncoderError) -> RGBImage {
        let orientation = Orientation.ofJPEG(data)
        return try decode(data, limits: limits).oriented(orientation)
    }

    /// Reads and decodes an image file as ``load(_:limits:)`` does, applying a JPEG's EXIF orientation.
    public static func loadUpright(_ url: URL, limits: DecodeLimits = .standard) throws(EncoderError) -> RGBImage {
        try load(url) { data throws(EncoderError) in try decodeUpright(data, limits: limits) }
    }
}
