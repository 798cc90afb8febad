import ArgumentParser
import Dispatch
import Foundation
import Numerics
import Search
import Pipeline

/// `crossmodal bench scale`: a synthetic gallery of N rows, then (in a fresh process) how long it takes to open,
/// how much memory it holds, how fast it answers 16 concurrent clients and how well HNSW recalls the exact top 10.
struct BenchScaleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scale",
        abstract: "Open time, memory, query latency and recall of a synthetic N-row gallery.",
        discussion: """
            With --build, writes a gallery of --rows unit vectors (clustered: 1,024 random centres, each row a centre plus
            Gaussian noise, so that nearest neighbours mean something) into --out, with an HNSW graph unless --exact, and
            reports the build time; run it again without --build to measure in a fresh process: the time to open the
            gallery, the resident memory (VmRSS) and its peak (VmHWM) after opening, the p50/p99 latency and throughput of
            --queries searches (k = 10) from --clients threads at once, and recall@10 of the graph against exact search;
            then the memory again after the queries, split into pages of the mapped graph file (which searches bring in
            and the kernel may drop) and the process's own.
            Queries are gallery rows with fresh noise; they stand for embedded texts (the text encoder's own time is in
            `scripts/bench_serve.sh`).
            """
    )

    @Option(help: "The gallery folder (written with --build, measured without).") var out: String
    @Flag(help: "Write the synthetic gallery and report the build time.") var build = false
    @Option(help: "Rows to write (with --build).") var rows = 100_000
    @Option(help: "The vectors' width (with --build).") var dimension = 256
    @Flag(help: "No HNSW graph: exact search (with --build).") var exact = false
    @Option(help: "local, or a postgres:// URL (with --build).") var backend = "local"
    @Option(help: "Searches to time.") var queries = 2_000
    @Option(help: "Threads searching at once.") var clients = 16
    @Option(help: "Queries whose top 10 are compared with exact search.") var recallQueries = 200
    @Option(help: "Seed of the synthetic vectors and queries.") var seed: UInt64 = 1

    func validate() throws {
        guard (1...100_000_000).contains(rows), (2...4096).contains(dimension) else { throw ValidationError("--rows is 1…10⁸ and --dimension 2…4096") }
        guard queries >= 1, (1...256).contains(clients), recallQueries >= 0 else { throw ValidationError("--queries ≥ 1, --clients 1…256, --recall-queries ≥ 0") }
    }

    func run() throws {
        let folder = URL(fileURLWithPath: out)
        if build { return try write(folder) }
        try measure(folder)
    }

    /// Clustered unit vectors, one row at a time from the seeded generator.
    static func syntheticRows(_ count: Int, dimension: Int, centres: Matrix, generator: inout SeededGenerator, noise: Float = 0.35) -> Matrix {
        var matrix = Matrix(rows: count, columns: dimension)
        let scale = noise / Float(dimension).squareRoot() * 4
        for row in 0..<count {
            let centre = generator.int(below: centres.rows)
            var norm: Float = 0
            for column in 0..<dimension {
                let value = centres.values[centre * dimension + column] + scale * generator.normal()
                matrix.values[row * dimension + column] = value
                norm += value * value
            }
            let inverse = 1 / max(norm.squareRoot(), 1e-12)
            for column in 0..<dimension { matrix.values[row * dimension + column] *= inverse }
        }
        return matrix
    }

    static func centres(dimension: Int, generator: inout SeededGenerator) -> Matrix {
        var centres = Matrix(rows: 1024, columns: dimension)
        for index in centres.values.indices { centres.values[index] = generator.normal() }
        return centres.rowNormalized()
    }

    private func write(_ folder: URL) throws {
        var generator = SeededGenerator(seed: seed)
        let centres = Self.centres(dimension: dimension, generator: &generator)
        let started = Date()
        let vectors = Self.syntheticRows(rows, dimension: dimension, centres: centres, generator: &generator)
        let catalog = try GalleryCatalog(
            images: (0..<rows).map { GalleryImage(id: String(format: "img-%09d", $0), path: "/synthetic/\($0).jpg", captionIDs: []) }, captions: [])
        let made = Date().timeIntervalSince(started)
        let writer = GalleryIndexWriter(
            folder: folder,
            backend: backend == "local" ? .local(hnswThreshold: exact ? .max : 0, alwaysHNSW: !exact) : .postgres(url: backend, tablePrefix: "scale_\(rows)"))
        let writing = Date()
        let steps = StepProgress(.console)
        defer { steps.finish() }
        _ = try writer.write(catalog: catalog, sets: [(.images, vectors)], metric: .innerProduct, source: ("synthetic", "all", "synthetic")) { set, done, total in
            steps.report("\(set.rawValue): building its HNSW graph", done, total)
        }
        print(String(format: "built %@ × %d (%@) in %.1f s (vectors made in %.1f s)", grouped(rows), dimension,
            backend == "local" ? (exact ? "local, exact" : "local, HNSW") : "postgres, pgvector HNSW", Date().timeIntervalSince(writing), made))
    }

    private func measure(_ folder: URL) throws {
        let opening = Date()
        let index = try GalleryIndex(folder: folder)
        let openSeconds = Date().timeIntervalSince(opening)
        let memory = Self.memory()
        let count = index.catalog.images.count, d = index.manifest.dimension
        // Queries from the same distribution: rows of a second seeded draw.
        var generator = SeededGenerator(seed: seed)
        let centres = Self.centres(dimension: d, generator: &generator)
        var queryGenerator = SeededGenerator(seed: seed &+ 1_000_003)
        let queryVectors = Self.syntheticRows(max(queries, recallQueries), dimension: d, centres: centres, generator: &queryGenerator)
        var latencies = [Double](repeating: 0, count: queries)
        let failures = FailureCount()
        let started = DispatchTime.now().uptimeNanoseconds
        latencies.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let times = buffer
            DispatchQueue.concurrentPerform(iterations: clients) { client in
                for query in stride(from: client, to: queries, by: clients) {
                    let start = DispatchTime.now().uptimeNanoseconds
                    if (try? index.images(matchingText: queryVectors.row(query), k: 10)) == nil { failures.add() }
                    times[query] = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
                }
            }
        }
        let wall = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let served = Self.memory()
        guard failures.value == 0 else { throw ValidationError("\(failures.value) searches failed") }
        let sorted = latencies.sorted()
        func percentile(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int((p * Double(sorted.count)).rounded(.up)) - 1)] }
        var recall = "exact search"
        if recallQueries == 0 { recall = "recall not measured" }
        let approximate = index.manifest.backend != "local" || FileManager.default.fileExists(atPath: LocalVectorSearch.graphFile(.images, in: folder).path)
        if approximate, recallQueries > 0 {
            // The gallery's own rows, drawn again from the seed the build used (after its centres).
            let truth = ExactTopK(vectors: Self.syntheticRows(count, dimension: d, centres: centres, generator: &generator))
            var found = 0
            for query in 0..<recallQueries {
                let approximate = Set(try index.images(matchingText: queryVectors.row(query), k: 10).map(\.id))
                found += truth.top10(queryVectors.row(query)).filter { approximate.contains(String(format: "img-%09d", $0)) }.count
            }
            recall = String(format: "recall@10 %.3f", Double(found) / Double(max(1, recallQueries * 10)))
        }
        print(String(format: "%@ rows × %d: open %.2f s, RSS %@ (peak %@); %d clients: p50 %.2f ms, p99 %.2f ms, %.0f queries/s; %@",
            grouped(count), d, openSeconds, Self.megabytes(memory.rss), Self.megabytes(memory.peak), clients, percentile(0.5), percentile(0.99),
            Double(queries) / wall, recall))
        print(String(format: "  after the queries: RSS %@ (peak %@), of it %@ pages of mapped files (graph or vectors), %@ the process's own",
            Self.megabytes(served.rss), Self.megabytes(served.peak), Self.megabytes(served.file), Self.megabytes(served.anonymous)))
    }

    /// VmRSS and VmHWM of this process, and the resident pages of mapped files (RssFile) and its own memory
    /// (RssAnon), in bytes (0 where /proc is absent).
    static func memory() -> (rss: Int, peak: Int, file: Int, anonymous: Int) {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return (0, 0, 0, 0) }
        func field(_ name: String) -> Int {
            guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }) else { return 0 }
            // "VmRSS:\t  123456 kB": the number is the second field, after a tab and any spaces.
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            return (fields.count > 1 ? Int(fields[1]) ?? 0 : 0) * 1024
        }
        return (field("VmRSS"), field("VmHWM"), field("RssFile"), field("RssAnon"))
    }

    static func megabytes(_ bytes: Int) -> String { String(format: "%.0f MB", Double(bytes) / 1_048_576) }
}

/// Failed searches, counted from several threads.
private final class FailureCount: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func add() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}

/// Exact top-10 by BLAS over the gallery's rows, for recall (after the timed part).
private struct ExactTopK {
    let vectors: Matrix

    func top10(_ query: [Float]) -> [Int] {
        var scores = Matrix(rows: 1, columns: vectors.rows)
        try? Matrix.gemm(Matrix(rows: 1, columns: vectors.columns, values: query), vectors, transposeB: .transposed, into: &scores)
        return selectTopK(scores.values, k: 10).map(\.index)
    }
}
