import COpenBLAS

/// Whether a GEMM operand is used as stored or transposed.
public enum Transpose: Sendable {
    /// Use the operand as stored.
    case none
    /// Use the transpose of the operand.
    case transposed

    var cblas: CMBlasTranspose { self == .none ? CMBlasNoTrans : CMBlasTrans }
}

extension Matrix {
    /// Computes `C ← alpha · op(A) · op(B) + beta · C` with OpenBLAS `sgemm`.
    ///
    /// `op(X)` is `X` or its transpose according to `transposeA` and `transposeB`.
    /// The result is exactly what single-precision BLAS gives: each element is a sum of
    /// `k` products accumulated in `Float`, with a relative error of about `k · 2⁻²⁴` in the worst case.
    ///
    /// - Throws: `NumericsError` when the inner or outer dimensions disagree.
    /// - Complexity: O(`m · n · k`).
    public static func gemm(
        _ a: Matrix, _ b: Matrix, transposeA: Transpose = .none, transposeB: Transpose = .none,
        alpha: Float = 1, beta: Float = 0, into c: inout Matrix
    ) throws(NumericsError) {
        let (m, k) = transposeA == .none ? (a.rows, a.columns) : (a.columns, a.rows)
        let (kb, n) = transposeB == .none ? (b.rows, b.columns) : (b.columns, b.rows)
        guard k == kb else {
            throw NumericsError(
                "GEMM inner dimensions differ: op(A) is \(m)×\(k), op(B) is \(kb)×\(n)")
        }
        guard c.rows == m, c.columns == n else {
            throw NumericsError("GEMM output is \(c.rows)×\(c.columns), expected \(m)×\(n)")
        }
        if m == 0 || n == 0 { return }
        if k == 0 {
            // BLAS leaves C untouched when k = 0 only if beta = 1; make the maths explicit.
            for i in c.values.indices { c.values[i] *= beta }
            return
        }
        a.values.withUnsafeBufferPointer { pa in
            b.values.withUnsafeBufferPointer { pb in
                c.values.withUnsafeMutableBufferPointer { pc in
                    cblas_sgemm(
                        CMBlasRowMajor, transposeA.cblas, transposeB.cblas,
                        Int32(m), Int32(n), Int32(k), alpha,
                        pa.baseAddress, Int32(max(a.columns, 1)),
                        pb.baseAddress, Int32(max(b.columns, 1)),
                        beta, pc.baseAddress, Int32(max(c.columns, 1)))
                }
            }
        }
    }

    /// Returns `op(A) · op(B)` as a new matrix.
    ///
    /// - Complexity: O(`m · n · k`).
    public static func product(
        _ a: Matrix, _ b: Matrix, transposeA: Transpose = .none, transposeB: Transpose = .none
    ) throws(NumericsError) -> Matrix {
        let m = transposeA == .none ? a.rows : a.columns
        let n = transposeB == .none ? b.columns : b.rows
        var c = Matrix(rows: m, columns: n)
        try gemm(a, b, transposeA: transposeA, transposeB: transposeB, into: &c)
        return c
    }
}

/// Controls how many threads OpenBLAS uses.
public enum BLASThreads {
    /// Sets the number of OpenBLAS worker threads for the whole process.
    public static func set(_ count: Int) { openblas_set_num_threads(Int32(max(1, count))) }

    /// The number of OpenBLAS worker threads in use.
    public static var current: Int { Int(openblas_get_num_threads()) }

    /// Runs `body` with `count` OpenBLAS threads, then restores the previous count.
    ///
    /// Callers that run their own threads use 1, so that OpenBLAS's helper threads do not spin
    /// beside them.
    public static func with<T>(_ count: Int, _ body: () throws -> T) rethrows -> T {
        let saved = current
        set(count)
        defer { set(saved) }
        return try body()
    }
}
