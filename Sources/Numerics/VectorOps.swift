/// Short-vector kernels (dot product, `y += a·x`) on raw buffers, eight lanes at a time, for the
/// per-word updates of Doc2Vec and the training loops where a BLAS call costs more than the work.
public enum VectorOps {
    /// `Σᵢ aᵢ·bᵢ` over `count` elements, accumulated in eight `Float` lanes.
    ///
    /// - Complexity: O(count).
    @inlinable
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var accumulator = SIMD8<Float>(repeating: 0)
        var i = 0
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        while i + 8 <= count {
            accumulator += ra.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                * rb.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        var sum = accumulator.sum()
        while i < count {
            sum += a[i] * b[i]
            i += 1
        }
        return sum
    }

    /// `y ← y + alpha·x` over `count` elements.
    ///
    /// - Complexity: O(count).
    @inlinable
    public static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        let rx = UnsafeRawPointer(x), ry = UnsafeMutableRawPointer(y)
        let a = SIMD8<Float>(repeating: alpha)
        while i + 8 <= count {
            let updated = ry.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
                + a * rx.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
            ry.storeBytes(of: updated, toByteOffset: i * 4, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            y[i] += alpha * x[i]
            i += 1
        }
    }

    /// `y ← alpha·y` over `count` elements.
    @inlinable
    public static func scale(_ alpha: Float, _ y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { y[i] *= alpha }
    }
}
