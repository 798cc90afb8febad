/// The windows of a k×k convolution with TensorFlow's "SAME" padding over an `[n, h, w, c]` map.
///
/// Each output pixel `(n, oy, ox)` reads the input pixels `(n, oy·s − padTop + ky, ox·s − padLeft + kx)`
/// for the taps `0 ≤ ky, kx < k` that land inside the map; taps in the padding read zeros and are skipped.
/// The depthwise forward and backward passes and the stem's im2col all walk these windows; this type
/// walks them once, with each window clipped to the map beforehand, so no tap is bounds-tested.
public struct SameWindow: Sendable {
    /// The input map's height and width.
    public let height: Int, width: Int
    /// The kernel's side and the stride.
    public let kernel: Int, stride: Int
    /// The output map's height and width, `⌈h / s⌉` and `⌈w / s⌉`.
    public let outHeight: Int, outWidth: Int
    /// The padding before the first row and column (the smaller half of the total).
    public let padTop: Int, padLeft: Int

    /// The windows of a `kernel`×`kernel` convolution with `stride` over an `height`×`width` map.
    public init(height: Int, width: Int, kernel: Int, stride: Int) {
        (self.height, self.width, self.kernel, self.stride) = (height, width, kernel, stride)
        (outHeight, padTop) = ConvolutionKernels.samePadding(size: height, kernel: kernel, stride: stride)
        (outWidth, padLeft) = ConvolutionKernels.samePadding(size: width, kernel: kernel, stride: stride)
    }

    /// The taps `k` of output position `o` whose input `o·s − pad + k` lies in `0..<size`.
    @inline(__always)
    static func taps(_ o: Int, stride: Int, pad: Int, size: Int, kernel: Int) -> Range<Int> {
        let start = o * stride - pad
        return max(0, -start)..<max(max(0, -start), min(kernel, size - start))
    }

    /// Calls `body(inputPixel, tap)` for each tap of output pixel `(n, oy, ox)` inside the map, rows of
    /// taps in order: `inputPixel = (n·h + iy)·w + ix` and `tap = ky·k + kx` (multiply both by the channel
    /// count for offsets into NHWC buffers and `[k, k, c]` weights).
    ///
    /// - Complexity: O(k²).
    @inline(__always)
    public func forEachTap(n: Int, oy: Int, ox: Int, _ body: (_ inputPixel: Int, _ tap: Int) -> Void) {
        let rowStart = oy * stride - padTop, columnStart = ox * stride - padLeft
        let columns = Self.taps(ox, stride: stride, pad: padLeft, size: width, kernel: kernel)
        for ky in Self.taps(oy, stride: stride, pad: padTop, size: height, kernel: kernel) {
            let rowPixel = (n * height + rowStart + ky) * width + columnStart
            for kx in columns { body(rowPixel + kx, ky * kernel + kx) }
        }
    }
}
