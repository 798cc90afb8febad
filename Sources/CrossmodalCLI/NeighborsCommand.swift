import ArgumentParser
import Foundation
import Neighbors
import Numerics
import Pipeline
import TensorFiles

/// `crossmodal neighbors`: every text's k nearest texts, the semantic neighbourhoods training uses.
struct NeighborsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "neighbors",
        abstract: "Find each item's k nearest other items (exact by default, HNSW with --approximate).",
        discussion: """
            Input: --vectors F.npy (with F.ids.txt beside it) or --doc2vec DIR (its document vectors).
            Output: --out F.safetensors holding indices [n, k] (int32) and distances [n, k] (float32), and F.ids.txt.
            Each item itself and its exact duplicates (distance 0) are left out.
            """
    )

    @Option(help: "Vectors to search (.npy with an .ids.txt beside it).")
    var vectors: String?

    @Option(help: "A Doc2Vec model folder: use its document vectors.")
    var doc2vec: String?

    @Option(help: "Neighbours per item.")
    var k = 200

    @Option(help: "cosine or l2.")
    var metric: NeighborMetric = .cosine

    @Option(help: "The neighbour file to write (.safetensors).")
    var out: String

    @Flag(help: "Use an HNSW graph (hnswlib) instead of the exact search, for millions of items.")
    var approximate = false

    @Option(help: "HNSW search breadth (never below k).")
    var ef = 256

    @Option(help: "Rows per GEMM block in the exact search (memory: block × n floats per core).")
    var blockSize = 256

    @Option(help: "Also report the share of each caption's first N neighbours that describe the same image (ids <image>#<n>).")
    var sameImageRate: Int?

    func validate() throws {
        guard (vectors == nil) != (doc2vec == nil) else { throw ValidationError("give exactly one of --vectors and --doc2vec") }
        guard k >= 1 else { throw ValidationError("--k must be at least 1") }
        guard blockSize >= 1 else { throw ValidationError("--block-size must be at least 1") }
    }

    func run() throws {
        let source = vectors.map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: doc2vec!).appendingPathComponent("document_vectors.npy")
        let (matrix, ids) = try EmbeddingFile.read(source)
        let started = Date()
        if approximate { warn("building the HNSW graph over \(grouped(matrix.rows)) vectors, then searching it…") }
        let observer = PipelineObserver.console
        let table = try observer.step("rows", total: matrix.rows) { _ in
            approximate
                ? try ApproximateNeighbors.search(matrix, k: k, metric: metric, ef: ef) { observer.progress($0, matrix.rows) }
                : try ExactNeighbors.search(matrix, k: k, metric: metric, blockSize: blockSize) { observer.progress($0, matrix.rows) }
        }
        try table.write(to: URL(fileURLWithPath: out), ids: ids, metadata: ["source": source.lastPathComponent, "method": approximate ? "hnsw" : "exact"])
        print("wrote \(grouped(table.count)) × \(table.k) \(approximate ? "approximate" : "exact") \(metric.rawValue) neighbours to \(out) in \(formatDuration(Date().timeIntervalSince(started)))")
        if let sameImageRate {
            let share = Self.sameImageShare(table, ids: ids, first: sameImageRate)
            let imageOf = ids.map { $0.split(separator: "#").first.map(String.init) ?? $0 }
            var perImage: [String: Int] = [:]
            for image in imageOf { perImage[image, default: 0] += 1 }
            let chance = Double(imageOf.map { perImage[$0]! - 1 }.reduce(0, +)) / Double(ids.count) / Double(max(ids.count - 1, 1))
            print(String(format: "same-image share of the %d nearest: %.4f (chance %.6f)", sameImageRate, share, chance))
        }
    }

    /// The share of each item's first `first` neighbours whose id has the same `<image>` part.
    static func sameImageShare(_ table: NeighborTable, ids: [String], first: Int) -> Double {
        let imageOf = ids.map { $0.split(separator: "#").first.map(String.init) ?? $0 }
        var same = 0
        var total = 0
        for item in 0..<table.count {
            for neighbor in table.neighbors(of: item).prefix(first) {
                total += 1
                if imageOf[neighbor.index] == imageOf[item] { same += 1 }
            }
        }
        return total > 0 ? Double(same) / Double(total) : 0
    }
}
