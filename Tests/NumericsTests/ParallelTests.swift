import Testing
@testable import Numerics

@Suite struct ParallelTests {
    @Test func mapKeepsIndexOrder() {
        let squares = Parallel.map(1000) { $0 * $0 }
        #expect(squares == (0..<1000).map { $0 * $0 })
        #expect(Parallel.map(0) { $0 }.isEmpty)
        #expect(Parallel.map(1) { $0 + 7 } == [7])
    }

    @Test func mapThrowsTheLowestFailingIndex() {
        struct Failure: Error, Equatable { let index: Int }
        #expect(throws: Failure(index: 3)) {
            _ = try Parallel.map(10) { (index: Int) throws(Failure) -> Int in
                if index == 3 || index == 7 { throw Failure(index: index) }
                return index
            }
        }
    }

    @Test func chunksCoverTheRangeOnce() {
        for (count, chunks) in [(10, 3), (3, 8), (1000, 7), (0, 2)] {
            let ranges = Parallel.mapChunks(of: count, chunks: chunks) { $0 }
            #expect(ranges.flatMap { Array($0) } == Array(0..<count))
            #expect(ranges.count == (count == 0 ? 0 : min(chunks, count)))
        }
    }

    @Test func bothRunsBoth() throws {
        let (a, b) = try Parallel.both({ 1 + 1 }, { "x" + "y" })
        #expect(a == 2 && b == "xy")
        struct Boom: Error {}
        #expect(throws: Boom.self) { _ = try Parallel.both({ throw Boom() }, { 1 }) }
    }
}
