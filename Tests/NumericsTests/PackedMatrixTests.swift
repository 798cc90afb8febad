import CKernels
import Numerics
import Testing

/// The packed GEMM and the Adam kernel, every instruction set this CPU has, against plain loops in double
/// precision (the GEMM) and the scalar formula (Adam, which must match bit for bit).
@Suite struct PackedMatrixTests {
    static let isas = (0...Int(cm_kernels_best_isa())).map { Int32($0) }

    static func random(_ count: Int, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in generator.uniformFloat() * 2 - 1 }
    }

    /// m × n × k shapes around the tile edges (8 and 6 rows, 16- and 32-column panels), with a transposed
    /// pack and an accumulating product.
    @Test(arguments: [(1, 1, 1), (3, 9, 3), (4, 33, 7), (5, 16, 12), (8, 32, 64), (13, 70, 31), (17, 100, 200), (30, 1536, 96)])
    func productMatchesPlainLoops(shape: (Int, Int, Int)) throws {
        let (m, n, k) = shape
        let a = Self.random(m * k, seed: UInt64(m * 1000 + n)), b = Self.random(k * n, seed: UInt64(k * 7 + 1))
        let bMatrix = try Matrix(rows: k, columns: n, values: b)
        var transposed = Matrix(rows: n, columns: k)
        for i in 0..<k { for j in 0..<n { transposed.values[j * k + i] = b[i * n + j] } }
        let initial = Self.random(m * n, seed: 99)
        for isa in Self.isas {
            for (packed, accumulate) in [(PackedMatrix(bMatrix), false), (PackedMatrix(transposed, transposed: true), true)] {
                #expect(packed.rows == k && packed.columns == n)
                var c = initial
                packed.withPanels { panels in
                    a.withUnsafeBufferPointer { pa in
                        c.withUnsafeMutableBufferPointer { pc in
                            cm_gemm_packed_isa(isa, m, n, k, pa.baseAddress!, k, panels.baseAddress!, accumulate ? 1 : 0, pc.baseAddress!, n)
                        }
                    }
                }
                for i in 0..<m {
                    for j in 0..<n {
                        var exact = accumulate ? Double(initial[i * n + j]) : 0, scale = 1.0
                        for q in 0..<k {
                            exact += Double(a[i * k + q]) * Double(b[q * n + j])
                            scale += abs(Double(a[i * k + q]) * Double(b[q * n + j]))
                        }
                        #expect(abs(Double(c[i * n + j]) - exact) <= 1e-6 * scale, "isa \(isa), (\(i), \(j)) of \(m)×\(n)×\(k)")
                    }
                }
            }
        }
    }

    /// A row's result does not depend on the rows computed with it (or on where it falls in a tile).
    @Test func rowsAreIndependent() throws {
        let (m, n, k) = (19, 64, 50)
        let a = Self.random(m * k, seed: 5)
        let packed = PackedMatrix(try Matrix(rows: k, columns: n, values: Self.random(k * n, seed: 6)))
        var all = [Float](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { pa in
            all.withUnsafeMutableBufferPointer { pc in packed.multiply(rows: m, pa.baseAddress!, lda: k, into: pc.baseAddress!, ldc: n) }
        }
        for row in [0, 7, 8, 18] {
            var alone = [Float](repeating: 0, count: n)
            a.withUnsafeBufferPointer { pa in
                alone.withUnsafeMutableBufferPointer { pc in
                    packed.multiply(rows: 1, pa.baseAddress! + row * k, lda: k, into: pc.baseAddress!, ldc: n)
                }
            }
            #expect(alone == Array(all[(row * n)..<((row + 1) * n)]))
        }
    }

    /// k = 0: an empty packed matrix gives a zero product, or leaves C as it was when accumulating.
    @Test func anEmptyInnerDimensionGivesZero() throws {
        let packed = PackedMatrix(Matrix(rows: 0, columns: 5))
        #expect(try packed.product(Matrix(rows: 3, columns: 0)) == Matrix(rows: 3, columns: 5))
        var c = [Float](repeating: 2, count: 15)
        let a: [Float] = [0]
        a.withUnsafeBufferPointer { pa in
            c.withUnsafeMutableBufferPointer { packed.multiply(rows: 3, pa.baseAddress!, lda: 0, into: $0.baseAddress!, ldc: 5, accumulate: true) }
        }
        #expect(c == [Float](repeating: 2, count: 15))
    }

    @Test func productMatchesBLASAndChecksShapes() throws {
        let a = try Matrix(rows: 37, columns: 45, values: Self.random(37 * 45, seed: 11))
        let b = try Matrix(rows: 45, columns: 70, values: Self.random(45 * 70, seed: 12))
        let packed = try PackedMatrix(b).product(a)
        let reference = try Matrix.product(a, b)
        #expect(packed.rows == 37 && packed.columns == 70)
        #expect(zip(packed.values, reference.values).allSatisfy { abs($0 - $1) <= 1e-4 })
        #expect(throws: NumericsError.self) { try PackedMatrix(b).product(reference) }
    }

    @Test func adamMatchesTheScalarFormulaBitForBit() {
        let count = 9237  // blocks of 4,096, a vector body and a scalar tail
        let (b1, b2, decay, step, inverse2, eps): (Float, Float, Float, Float, Float, Float) = (0.9, 0.999, 1e-5, 3e-4, 1.7, 1e-8)
        let gradient = Self.random(count, seed: 1)
        var expected = (value: Self.random(count, seed: 2), m: Self.random(count, seed: 3).map { $0 * 0.1 }, v: Self.random(count, seed: 4).map { abs($0) * 0.01 })
        let start = expected
        for i in 0..<count {
            let g = gradient[i] + decay * expected.value[i]
            expected.m[i] = b1 * expected.m[i] + (1 - b1) * g
            expected.v[i] = b2 * expected.v[i] + (1 - b2) * g * g
            expected.value[i] -= step * expected.m[i] / ((expected.v[i] * inverse2).squareRoot() + eps)
        }
        for isa in Self.isas {
            for clear in [Int32(0), 1] {
                var (value, m, v) = start
                var g = gradient
                cm_adam_isa(isa, &value, &g, &m, &v, count, b1, b2, decay, step, inverse2, eps, clear)
                #expect(value == expected.value, "isa \(isa)")
                #expect(m == expected.m && v == expected.v, "isa \(isa)")
                #expect(g == (clear == 1 ? [Float](repeating: 0, count: count) : gradient))
            }
        }
    }
}
