import Numerics
import Testing

@Suite struct TopKTests {
    @Test func handCaseWithTies() {
        let values: [Float] = [0.5, 0.9, 0.1, 0.9, 0.7]
        let top = selectTopK(values, k: 3)
        // Equal values rank by lower index: 1 before 3.
        #expect(top.map(\.index) == [1, 3, 4])
        #expect(top.map(\.value) == [0.9, 0.9, 0.7])
        let bottom = selectTopK(values, k: 2, order: .smallest)
        #expect(bottom.map(\.index) == [2, 0])
    }

    @Test func kLargerThanCountReturnsAllSorted() {
        let top = selectTopK([3, 1, 2], k: 10)
        #expect(top.map(\.index) == [0, 2, 1])
        #expect(selectTopK([3, 1, 2], k: 0).isEmpty)
    }

    @Test func exclusionSkipsElements() {
        let top = selectTopK([5, 4, 3, 2], k: 2, isExcluded: { index, _ in index == 0 })
        #expect(top.map(\.index) == [1, 2])
    }

    @Test func nanRanksLast() {
        let top = selectTopK([.nan, 1, 2], k: 3)
        #expect(top.map(\.index) == [2, 1, 0])
        let bottom = selectTopK([.nan, 1, 2], k: 2, order: .smallest)
        #expect(bottom.map(\.index) == [1, 2])
    }

    @Test(arguments: [1, 5, 50, 200])
    func matchesFullSortReference(k: Int) {
        var generator = SeededGenerator(seed: UInt64(k))
        // Values drawn from a small set so that ties are common.
        let values = (0..<1000).map { _ in Float(generator.int(below: 100)) }
        let reference = values.enumerated().sorted { ($0.element, -$0.offset) > ($1.element, -$1.offset) }
        let top = selectTopK(values, k: k)
        #expect(top.map(\.index) == reference.prefix(k).map(\.offset))
    }

    @Test func perRowSelection() throws {
        let m = try Matrix([[1, 3, 2], [9, 8, 7]])
        let rows = m.topKPerRow(k: 2)
        #expect(rows[0].map(\.index) == [1, 2])
        #expect(rows[1].map(\.index) == [0, 1])
    }
}
