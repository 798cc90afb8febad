import COpenBLAS

/// Direct access to single-precision BLAS on raw row-major buffers, for strided sub-matrices
/// (attention heads, slices of a batch) that `Matrix` does not describe.
public enum BLAS {
    /// `C ← alpha · op(A) · op(B) + beta · C` on row-major buffers with leading dimensions.
    ///
    /// `op(A)` is m×k, `op(B)` is k×n and `C` is m×n. The caller guarantees the buffers are large
    /// enough for the given leading dimensions.
    ///
    /// - Complexity: O(m · n · k).
    @inlinable
    public static func sgemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0, k > 0 else { return }
        cblas_sgemm(
            CMBlasRowMajor, transposeA ? CMBlasTrans : CMBlasNoTrans, transposeB ? CMBlasTrans : CMBlasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// `C ← alpha · op(A) · op(B) + beta · C` on whole row-major arrays (the caller's sizes must fit them).
    ///
    /// - Complexity: O(m · n · k).
    public static func sgemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
        a: [Float], lda: Int, b: [Float], ldb: Int, beta: Float = 0, c: inout [Float], ldc: Int
    ) {
        guard m > 0, n > 0, k > 0 else { return }
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    sgemm(
                        transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k, alpha: alpha,
                        a: pa.baseAddress!, lda: lda, b: pb.baseAddress!, ldb: ldb, beta: beta, c: pc.baseAddress!, ldc: ldc)
                }
            }
        }
    }
}
