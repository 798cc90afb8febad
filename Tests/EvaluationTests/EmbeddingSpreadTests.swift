import Evaluation
import Numerics
import Testing

@Suite struct EmbeddingSpreadTests {
    @Test func handComputedSpread() throws {
        // Rows (3, 4) and (3, -4): norms 5 and 5, centroid (3, 0), distances 4 and 4.
        let spread = EmbeddingSpread(try Matrix([[3, 4], [3, -4]]))
        #expect(abs(spread.meanNorm - 5) < 1e-12)
        #expect(abs(spread.meanDistanceToCentroid - 4) < 1e-12)
        #expect(abs(spread.relative - 0.8) < 1e-12)
        #expect(!spread.isCollapsed)
    }

    @Test func onePointIsCollapsed() throws {
        let atOnePoint = EmbeddingSpread(try Matrix([[1, 2, 3], [1, 2, 3], [1, 2, 3.001]]))
        #expect(atOnePoint.relative < 1e-3)
        #expect(atOnePoint.isCollapsed)
        // A ReLU output that died everywhere: every row is the origin.
        let atOrigin = EmbeddingSpread(Matrix(rows: 4, columns: 3))
        #expect(atOrigin.relative == 0)
        #expect(atOrigin.isCollapsed)
        #expect(EmbeddingSpread(Matrix(rows: 0, columns: 3)).isCollapsed)
    }

    @Test func oppositeUnitVectorsAreFullySpread() throws {
        let spread = EmbeddingSpread(try Matrix([[1, 0], [-1, 0], [0, 1], [0, -1]]))
        #expect(abs(spread.relative - 1) < 1e-12)
    }
}
