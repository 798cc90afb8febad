import Foundation
import Neighbors
import Numerics
import Testing

@Suite struct ExactNeighborsTests {
    static func randomVectors(_ n: Int, _ d: Int, seed: UInt64) -> Matrix {
        var generator = SeededGenerator(seed: seed)
        var m = Matrix(rows: n, columns: d)
        for i in m.values.indices { m.values[i] = generator.normal() }
        return m
    }

    /// Every pair's distance in Double, sorted per row: the brute-force reference.
    static func bruteForce(_ m: Matrix, k: Int, metric: NeighborMetric) -> [[Int]] {
        (0..<m.rows).map { i in
            var candidates: [(Int, Double)] = []
            for j in 0..<m.rows where j != i {
                let a = m.row(i).map(Double.init), b = m.row(j).map(Double.init)
                let distance: Double
                if metric == .cosine {
                    let dot = zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
                    let na = a.reduce(0) { $0 + $1 * $1 }.squareRoot(), nb = b.reduce(0) { $0 + $1 * $1 }.squareRoot()
                    distance = 1 - dot / (na * nb)
                } else {
                    distance = zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
                }
                candidates.append((j, distance))
            }
            return candidates.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }.prefix(k).map(\.0)
        }
    }

    @Test(arguments: NeighborMetric.allCases)
    func equalsBruteForce(metric: NeighborMetric) throws {
        let vectors = Self.randomVectors(300, 16, seed: 5)
        // A block size that does not divide n, and two workers, to cover the edges.
        let table = try ExactNeighbors.search(vectors, k: 10, metric: metric, blockSize: 64, workers: 2)
        let reference = Self.bruteForce(vectors, k: 10, metric: metric)
        for i in 0..<vectors.rows {
            #expect(table.neighbors(of: i).map(\.index) == reference[i], "row \(i)")
        }
        let first = table.neighbors(of: 0)
        #expect(zip(first, first.dropFirst()).allSatisfy { $0.distance <= $1.distance })
    }

    @Test func leavesOutSelfAndExactDuplicates() throws {
        let vectors = try Matrix([[1, 0], [1, 0], [0, 1], [0.9, 0.1], [-1, 0]])
        let table = try ExactNeighbors.search(vectors, k: 4, metric: .cosine, blockSize: 2, workers: 1)
        // Row 0's duplicate (row 1) is left out, so only three neighbours remain and the row is padded.
        #expect(table.neighbors(of: 0).map(\.index) == [3, 2, 4])
        #expect(table.indices[3] == -1 && table.distances[3] == .infinity)
        let l2 = try ExactNeighbors.search(vectors, k: 2, metric: .l2, workers: 1)
        #expect(l2.neighbors(of: 1).map(\.index) == [3, 2])
        #expect(abs(l2.neighbors(of: 1)[0].distance - 0.1414214) < 1e-5)
    }

    @Test func writeAndReadRoundTrip() throws {
        let table = try ExactNeighbors.search(Self.randomVectors(20, 4, seed: 1), k: 3, metric: .l2)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("crossmodal-nn-\(UUID().uuidString).safetensors")
        defer {
            try? FileManager.default.removeItem(at: url)
            try? FileManager.default.removeItem(at: NeighborTable.idsURL(for: url))
        }
        let ids = (0..<20).map { "item\($0)" }
        try table.write(to: url, ids: ids)
        let (loaded, loadedIDs) = try NeighborTable.read(url)
        #expect(loaded == table && loadedIDs == ids)
    }

    @Test func badArgumentsAreClearErrors() {
        #expect(throws: NeighborError.self) { try ExactNeighbors.search(Matrix(rows: 1, columns: 3), k: 1, metric: .l2) }
        #expect(throws: NeighborError.self) { try ExactNeighbors.search(Matrix(rows: 5, columns: 3), k: 0, metric: .l2) }
    }
}

@Suite struct ApproximateNeighborsTests {
    @Test(arguments: NeighborMetric.allCases)
    func recallAgainstExact(metric: NeighborMetric) throws {
        let vectors = ExactNeighborsTests.randomVectors(2000, 24, seed: 9)
        let exact = try ExactNeighbors.search(vectors, k: 20, metric: metric)
        let approximate = try ApproximateNeighbors.search(vectors, k: 20, metric: metric, ef: 100)
        // The graph is built on one thread, so the lists are the same every time.
        #expect(try ApproximateNeighbors.search(vectors, k: 20, metric: metric, ef: 100) == approximate)
        var hits = 0
        for i in 0..<vectors.rows {
            hits += Set(exact.neighbors(of: i).map(\.index)).intersection(approximate.neighbors(of: i).map(\.index)).count
        }
        let recall = Double(hits) / Double(vectors.rows * 20)
        #expect(recall >= 0.95, "\(metric): recall \(recall)")
        // Distances agree with the exact ones for shared neighbours.
        let e = Dictionary(uniqueKeysWithValues: exact.neighbors(of: 0).map { ($0.index, $0.distance) })
        for (index, distance) in approximate.neighbors(of: 0) {
            if let reference = e[index] { #expect(abs(reference - distance) < 1e-3) }
        }
    }
}
