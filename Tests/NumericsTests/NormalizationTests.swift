import Numerics
import Testing

@Suite struct NormalizationTests {
    @Test func rowsGetUnitLength() throws {
        var m = try Matrix([[3, 4], [0, 0], [-1, 0]])
        let norms = m.normalizeRows()
        #expect(norms == [5, 0, 1])
        #expect(m.values == [0.6, 0.8, 0, 0, -1, 0])
    }

    @Test func randomRowsHaveUnitNorm() {
        var generator = SeededGenerator(seed: 3)
        var m = Matrix(rows: 50, columns: 384)
        for i in m.values.indices { m.values[i] = generator.normal(standardDeviation: 10) }
        m.normalizeRows()
        for r in 0..<m.rows {
            let norm = m.row(r).reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()
            #expect(abs(norm - 1) < 1e-6)
        }
    }
}
