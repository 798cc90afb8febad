import ArgumentParser
import Foundation
import Pipeline
import Search

/// `crossmodal index build`: embed a gallery with a run and store it for search.
struct IndexBuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Embed a split's images and captions with a trained run and store them for search.",
        discussion: """
            DIR gets index.json, catalog.sqlite (ids, captions, image paths), model/ (the run, to embed queries) and,
            with the default local backend, images.f32 and captions.f32: float32 rows, little-endian, readable with
            numpy.fromfile(path, "<f4").reshape(-1, dimension). Search is exact (BLAS) unless the gallery has at least
            --hnsw-threshold items or --hnsw is given, when an HNSW graph (hnswlib) is saved beside each set.
            With --backend postgres://user@host:port/db the vectors go to PostgreSQL with pgvector instead: one table
            per set (<prefix>_images, <prefix>_captions), each with an HNSW index; searches then run there.
            """
    )

    @OptionGroup var source: RunSplitOptions

    @Option(help: "The index folder to write.") var out: String
    @Option(help: "local, or a postgres:// URL.") var backend = "local"
    @Option(help: "Table prefix in PostgreSQL (lower-case letters, digits, _).") var tablePrefix = "crossmodal"
    @Flag(help: "Build HNSW graphs whatever the size (local backend).") var hnsw = false
    @Option(help: "Build HNSW graphs for sets of at least this many items (local backend).") var hnswThreshold = 100_000

    func validate() throws {
        guard backend == "local" || backend.hasPrefix("postgres://") || backend.hasPrefix("postgresql://") else {
            throw ValidationError("--backend is local or a postgres:// URL, not \(backend)")
        }
    }

    func run() throws {
        let embedded = try source.embed()
        let written = try GalleryBuild.write(
            embedded, dataset: try source.dataset.load().source, run: source.runFolder, to: URL(fileURLWithPath: out),
            backend: backend == "local"
                ? .local(hnswThreshold: hnswThreshold, alwaysHNSW: hnsw) : .postgres(url: backend, tablePrefix: tablePrefix))
        let dimension = embedded.imageToText.dimension
        for set in written.sets {
            if let table = set.table {
                print("\(set.set.rawValue): \(grouped(set.rows)) × \(dimension) into table \(table) with an HNSW index")
            } else {
                print("\(set.set.rawValue): \(grouped(set.rows)) × \(dimension)" + (set.approximate ? ", HNSW graph" : ", exact search"))
            }
        }
        print("index: \(out) (\(grouped(written.catalog.images.count)) images, \(grouped(written.catalog.captions.count)) captions, "
            + "\(backend == "local" ? "local" : "postgres") backend)")
    }
}
