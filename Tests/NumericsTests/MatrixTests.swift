import Numerics
import Testing

@Suite struct MatrixTests {
    @Test func initFromRowsKeepsRowMajorOrder() throws {
        let m = try Matrix([[1, 2, 3], [4, 5, 6]])
        #expect(m.rows == 2 && m.columns == 3)
        #expect(m.values == [1, 2, 3, 4, 5, 6])
        #expect(m[1, 0] == 4)
        #expect(m.row(1) == [4, 5, 6])
    }

    @Test func initRejectsMismatchedCounts() {
        #expect(throws: NumericsError.self) { try Matrix(rows: 2, columns: 2, values: [1, 2, 3]) }
        #expect(throws: NumericsError.self) { try Matrix([[1, 2], [3]]) }
    }

    @Test func gatherAndTranspose() throws {
        let m = try Matrix([[1, 2], [3, 4], [5, 6]])
        #expect(m.gatherRows([2, 0]).values == [5, 6, 1, 2])
        #expect(m.transposed().values == [1, 3, 5, 2, 4, 6])
        #expect(m.transposed().rows == 2)
    }
}
