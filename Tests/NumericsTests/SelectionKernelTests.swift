import CKernels
import Numerics
import Testing

/// The selection kernels of exact neighbour search against sorting.
@Suite struct SelectionKernelTests {
    @Test(arguments: [0, 1, 15, 16, 17, 1000])
    func indicesAboveACutAreThoseOfAPlainScan(count: Int) {
        var generator = SeededGenerator(seed: UInt64(count) + 3)
        var row = (0..<count).map { _ in generator.uniformFloat() }
        if count > 3 { row[2] = .nan }  // never above anything
        let cut: Float = 0.9
        let expected = row.indices.filter { row[$0] > cut }.map(Int32.init)
        for capacity in [expected.count, max(0, expected.count - 5), 0] {
            var out = [Int32](repeating: -7, count: capacity + 16)
            let found = out.withUnsafeMutableBufferPointer { cm_indices_above(row, count, cut, $0.baseAddress!, capacity) }
            #expect(found == expected.count)
            #expect(Array(out[0..<min(found, capacity)]) == Array(expected.prefix(capacity)))
        }
    }

    @Test(arguments: [(1, 1), (10, 3), (400, 200), (401, 401), (1000, 37)])
    func bestFirstMatchesASort(shape: (Int, Int)) {
        let (count, k) = shape
        var generator = SeededGenerator(seed: UInt64(count * 31 + k))
        // Few distinct scores, so that ties are settled by the lower index.
        let items = (0..<count).map { cm_scored(score: Float(generator.int(below: 20)), index: Int32(count - $0)) }
        let expected = items.sorted { $0.score != $1.score ? $0.score > $1.score : $0.index < $1.index }.prefix(k)
        var selected = items
        var scratch = [cm_scored](repeating: cm_scored(score: 0, index: 0), count: k)
        selected.withUnsafeMutableBufferPointer { s in
            scratch.withUnsafeMutableBufferPointer { cm_best_first(s.baseAddress!, count, k, $0.baseAddress!) }
        }
        #expect(selected.prefix(k).map(\.index) == expected.map(\.index))
        #expect(selected.prefix(k).map(\.score) == expected.map(\.score))
    }
}
