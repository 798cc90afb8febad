import Numerics
import Testing

@Suite struct GEMMTests {
    /// A plain triple loop in Double, the reference GEMM is compared with.
    func naiveProduct(_ a: Matrix, _ ta: Transpose, _ b: Matrix, _ tb: Transpose) -> [Double] {
        let (m, k) = ta == .none ? (a.rows, a.columns) : (a.columns, a.rows)
        let n = tb == .none ? b.columns : b.rows
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for p in 0..<k {
                    let x = ta == .none ? a[i, p] : a[p, i]
                    let y = tb == .none ? b[p, j] : b[j, p]
                    sum += Double(x) * Double(y)
                }
                c[i * n + j] = sum
            }
        }
        return c
    }

    func random(_ rows: Int, _ columns: Int, _ generator: inout SeededGenerator) -> Matrix {
        var m = Matrix(rows: rows, columns: columns)
        for i in m.values.indices { m.values[i] = generator.normal() }
        return m
    }

    @Test func handComputedProduct() throws {
        let a = try Matrix([[1, 2, 3], [4, 5, 6]])
        let b = try Matrix([[7, 8], [9, 10], [11, 12]])
        // [1·7+2·9+3·11, 1·8+2·10+3·12; 4·7+5·9+6·11, 4·8+5·10+6·12]
        #expect(try Matrix.product(a, b).values == [58, 64, 139, 154])
        #expect(try Matrix.product(a, a, transposeB: .transposed).values == [14, 32, 32, 77])
    }

    @Test(arguments: [(Transpose.none, Transpose.none), (.transposed, .none), (.none, .transposed), (.transposed, .transposed)])
    func matchesNaiveReference(ta: Transpose, tb: Transpose) throws {
        var generator = SeededGenerator(seed: 7)
        let (m, k, n) = (37, 53, 29)
        let a = ta == .none ? random(m, k, &generator) : random(k, m, &generator)
        let b = tb == .none ? random(k, n, &generator) : random(n, k, &generator)
        let c = try Matrix.product(a, b, transposeA: ta, transposeB: tb)
        let reference = naiveProduct(a, ta, b, tb)
        #expect(c.rows == m && c.columns == n)
        for (x, y) in zip(c.values, reference) {
            #expect(abs(Double(x) - y) <= 1e-4 * max(1, abs(y)))
        }
    }

    @Test func alphaAndBetaAccumulate() throws {
        let a = try Matrix([[1, 0], [0, 1]])
        let b = try Matrix([[2, 3], [4, 5]])
        var c = try Matrix([[1, 1], [1, 1]])
        try Matrix.gemm(a, b, alpha: 2, beta: 3, into: &c)
        #expect(c.values == [7, 9, 11, 13])
    }

    @Test func mismatchedShapesThrow() throws {
        let a = Matrix(rows: 2, columns: 3)
        let b = Matrix(rows: 2, columns: 3)
        #expect(throws: NumericsError.self) { try Matrix.product(a, b) }
        var wrong = Matrix(rows: 3, columns: 3)
        #expect(throws: NumericsError.self) { try Matrix.gemm(a, b, transposeB: .transposed, into: &wrong) }
    }

    @Test func emptyInnerDimensionScalesByBeta() throws {
        let a = Matrix(rows: 2, columns: 0)
        let b = Matrix(rows: 0, columns: 2)
        var c = Matrix(rows: 2, columns: 2, repeating: 4)
        try Matrix.gemm(a, b, beta: 0.5, into: &c)
        #expect(c.values == [2, 2, 2, 2])
    }
}
