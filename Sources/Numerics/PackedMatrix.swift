import CKernels

/// A k × n matrix packed once into column panels, for many products `A · B` with small `A`.
///
/// A general BLAS call packs its operands on every call. When the same `B` meets a few rows of `A` many
/// times (a GRU's recurrent weights at every time step), packing costs about as much as the arithmetic:
/// packed once per batch, the product is only the arithmetic. Each element of the product is accumulated
/// in k order with fused multiply-adds (AVX-512 or AVX2, chosen at run time), so a row's result does not
/// depend on the other rows it is computed with; it differs from BLAS's by rounding only.
public struct PackedMatrix: Sendable {
    /// k, the rows of the packed matrix.
    public let rows: Int
    /// n, its columns.
    public let columns: Int
    let panels: [Float]

    /// Packs `matrix` (k × n), or its transpose (then `matrix` is n × k) when `transposed`.
    ///
    /// - Complexity: O(k · n).
    public init(_ matrix: Matrix, transposed: Bool = false) {
        rows = transposed ? matrix.columns : matrix.rows
        columns = transposed ? matrix.rows : matrix.columns
        let (k, n) = (rows, columns)
        panels = [Float](unsafeUninitializedCapacity: cm_packed_count(k, n)) { buffer, count in
            matrix.values.withUnsafeBufferPointer { source in
                if let base = source.baseAddress, let out = buffer.baseAddress {
                    cm_pack(base, matrix.columns, transposed ? 1 : 0, k, n, out)
                } else {
                    buffer.initialize(repeating: 0)
                }
            }
            count = buffer.count
        }
    }

    /// `A · B` for all rows of `a` (k wide).
    ///
    /// - Complexity: O(m · k · n).
    public func product(_ a: Matrix) throws(NumericsError) -> Matrix {
        guard a.columns == rows else {
            throw NumericsError("cannot multiply a \(a.rows)×\(a.columns) matrix by a packed \(rows)×\(columns) matrix")
        }
        var c = Matrix(rows: a.rows, columns: columns)
        guard rows > 0, a.rows > 0, columns > 0 else { return c }
        a.values.withUnsafeBufferPointer { pa in
            c.values.withUnsafeMutableBufferPointer { pc in multiply(rows: a.rows, pa.baseAddress!, lda: rows, into: pc.baseAddress!, ldc: columns) }
        }
        return c
    }

    /// The packed panels, for a kernel called directly.
    public func withPanels<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try panels.withUnsafeBufferPointer { try body($0) }
    }

    /// `C ← A · B + (accumulate ? C : 0)` for `m` rows of `A` (k wide, leading dimension `lda`) into `C`
    /// (n wide, leading dimension `ldc`). The caller guarantees the buffers hold those rows.
    ///
    /// - Complexity: O(m · k · n).
    public func multiply(rows m: Int, _ a: UnsafePointer<Float>, lda: Int, into c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool = false) {
        guard m > 0, columns > 0 else { return }
        guard rows > 0, !panels.isEmpty else {
            // k = 0: the product is zero.
            if !accumulate { for row in 0..<m { (c + row * ldc).update(repeating: 0, count: columns) } }
            return
        }
        panels.withUnsafeBufferPointer { packed in
            cm_gemm_packed(m, columns, rows, a, lda, packed.baseAddress!, accumulate ? 1 : 0, c, ldc)
        }
    }
}
