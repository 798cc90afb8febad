import Numerics
import Testing

@Suite struct SameWindowTests {
    /// Every tap of every output pixel against the definition: `iy = oy·s − padTop + ky` kept when inside the map.
    @Test(arguments: [(1, 1, 3, 1), (7, 5, 3, 2), (8, 8, 5, 2), (2, 9, 5, 1), (4, 3, 3, 2), (224, 1, 3, 2)])
    func tapsAreTheWindowClippedToTheMap(height: Int, width: Int, kernel: Int, stride: Int) {
        let window = SameWindow(height: height, width: width, kernel: kernel, stride: stride)
        #expect(window.outHeight == (height + stride - 1) / stride && window.outWidth == (width + stride - 1) / stride)
        for n in 0..<2 {
            for oy in 0..<window.outHeight {
                for ox in 0..<window.outWidth {
                    var expected: [[Int]] = []
                    for ky in 0..<kernel {
                        for kx in 0..<kernel {
                            let iy = oy * stride - window.padTop + ky, ix = ox * stride - window.padLeft + kx
                            if (0..<height).contains(iy) && (0..<width).contains(ix) {
                                expected.append([(n * height + iy) * width + ix, ky * kernel + kx])
                            }
                        }
                    }
                    var walked: [[Int]] = []
                    window.forEachTap(n: n, oy: oy, ox: ox) { walked.append([$0, $1]) }
                    #expect(walked == expected, "output (\(n), \(oy), \(ox))")
                }
            }
        }
    }
}
