import Foundation
import Neighbors
import Numerics
import Testing

/// A saved graph opened by mapping its file: it must answer exactly as the graph that was saved, grow once
/// opened (level 0 then moves into memory of its own), and save again what it has become.
@Suite struct HNSWGraphFileTests {
    static func unitRows(_ rows: Int, _ columns: Int, seed: UInt64) -> Matrix {
        ExactNeighborsTests.randomVectors(rows, columns, seed: seed).rowNormalized()
    }

    static func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("crossmodal-hnsw-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func answers(_ graph: HNSWGraph, _ queries: Matrix) throws -> [[ScoredIndex]] {
        try (0..<queries.rows).map { try graph.search(queries.row($0), k: 10) }
    }

    @Test func mappedGraphAnswersAsTheSavedOne() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let vectors = Self.unitRows(1500, 32, seed: 3), queries = Self.unitRows(40, 32, seed: 4)
        let built = try HNSWGraph.build(vectors, workers: 1)
        let file = folder.appendingPathComponent("g.hnsw")
        try built.save(to: file)
        let mapped = try HNSWGraph.load(file, dimension: 32, rows: vectors.rows)
        #expect(mapped.count == vectors.rows)
        // Same labels, same scores, bit for bit: the same bytes searched in place.
        #expect(try Self.answers(mapped, queries) == Self.answers(built, queries))
    }

    @Test func mappedGraphGrowsAndSavesWhatItBecame() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let vectors = Self.unitRows(1200, 16, seed: 5), extra = Self.unitRows(300, 16, seed: 6), queries = Self.unitRows(30, 16, seed: 7)
        let file = folder.appendingPathComponent("g.hnsw")
        try HNSWGraph.build(vectors, workers: 1).save(to: file)
        let graph = try HNSWGraph.load(file, dimension: 16, rows: vectors.rows + extra.rows)
        let before = try Self.answers(graph, queries)
        try graph.append(extra, firstLabel: vectors.rows)
        #expect(graph.count == vectors.rows + extra.rows)
        // Each added vector is its own nearest neighbour, and old rows are still found.
        for row in stride(from: 0, to: extra.rows, by: 10) {
            #expect(try graph.search(extra.row(row), k: 1).first?.index == vectors.rows + row)
        }
        for row in stride(from: 0, to: vectors.rows, by: 97) {
            #expect(try graph.search(vectors.row(row), k: 1).first?.index == row)
        }
        // The queries' answers only change where an added row is nearer.
        let after = try Self.answers(graph, queries)
        for (old, new) in zip(before, after) where new.allSatisfy({ $0.index < vectors.rows }) { #expect(old == new) }
        // Saved (over the file it was mapped from) and opened again: the same answers.
        try graph.save(to: file)
        #expect(try Self.answers(HNSWGraph.load(file, dimension: 16, rows: vectors.rows + extra.rows), queries) == after)
    }

    @Test func aGraphCutShortOrForeignIsRefusedBeforeItIsMapped() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let vectors = Self.unitRows(400, 8, seed: 8)
        let file = folder.appendingPathComponent("g.hnsw")
        try HNSWGraph.build(vectors, workers: 1).save(to: file)
        let bytes = try Data(contentsOf: file)
        // Wrong width, more elements than the index has rows, cut inside level 0 and inside the upper levels.
        #expect(throws: NeighborError.self) { try HNSWGraph.load(file, dimension: 16, rows: 400) }
        #expect(throws: NeighborError.self) { try HNSWGraph.load(file, dimension: 8, rows: 399) }
        for cut in [bytes.count / 2, bytes.count - 3] {
            try bytes.prefix(cut).write(to: file)
            #expect(throws: NeighborError.self) { try HNSWGraph.load(file, dimension: 8, rows: 400) }
        }
        // One byte more than the graph's own: refused, not ignored.
        try (bytes + Data([0])).write(to: file)
        #expect(throws: NeighborError.self) { try HNSWGraph.load(file, dimension: 8, rows: 400) }
    }
}
