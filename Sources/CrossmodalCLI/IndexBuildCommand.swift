import ArgumentParser
import Foundation
import Numerics
import Evaluation
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

    @Argument(help: "A run folder written by `crossmodal train`.")
    var runFolder: String

    @OptionGroup var datasetOptions: DatasetOptions

    @Option(help: "The split to index.") var split = "dev"
    @Option(help: "The index folder to write.") var out: String
    @Option(help: "local, or a postgres:// URL.") var backend = "local"
    @Option(help: "Table prefix in PostgreSQL (lower-case letters, digits, _).") var tablePrefix = "crossmodal"
    @Flag(help: "Build HNSW graphs whatever the size (local backend).") var hnsw = false
    @Option(help: "Build HNSW graphs for sets of at least this many items (local backend).") var hnswThreshold = 100_000
    @Option(help: "The folder of pretrained weights.") var models: String?
    @Option(help: "The embedding cache folder (default: ~/.cache/crossmodal/embeddings).") var cacheDir: String?

    func validate() throws {
        guard backend == "local" || backend.hasPrefix("postgres://") || backend.hasPrefix("postgresql://") else {
            throw ValidationError("--backend is local or a postgres:// URL, not \(backend)")
        }
    }

    func run() throws {
        let trained = try TrainedRun.open(runFolder)
        let dataset = try datasetOptions.load()
        let embedded = try EmbeddedSplit.compute(
            run: trained, dataset: dataset, split: split, models: models, cacheDir: cacheDir, strict: datasetOptions.strict)
        let folder = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let features = embedded.features
        let catalog = try GalleryCatalog(
            images: features.images.enumerated().map { row, image in
                GalleryImage(
                    id: image.id, path: image.file.standardizedFileURL.path,
                    captionIDs: features.captions.indices.filter { features.captionImage[$0] == row }.map { features.captions[$0].id })
            },
            captions: features.captions.map { GalleryCaption(id: $0.id, imageID: $0.imageID, text: $0.text) })
        try catalog.write(to: folder.appendingPathComponent("catalog.sqlite"))

        var sets: [(VectorSet, Matrix)] = [(.images, embedded.imageToText.0), (.captions, embedded.imageToText.1)]
        if trained.separateDirections { sets.append((.imagesForTextQueries, embedded.textToImage.0)) }
        // A space trained unnormalised with a squared-L2 loss is searched by distance: each row gets −‖g‖²/2.
        let euclidean = trained.description.training.rankingMetric == .squaredEuclidean
        if euclidean {
            sets = sets.map { set, vectors in
                (set, SimilarityMetric.squaredEuclidean.prepared(queries: Matrix(rows: 0, columns: vectors.columns), gallery: vectors).gallery)
            }
        }
        for set in VectorSet.allCases {
            try? FileManager.default.removeItem(at: LocalVectorSearch.vectorFile(set, in: folder))
            try? FileManager.default.removeItem(at: LocalVectorSearch.graphFile(set, in: folder))
        }
        let dimension = sets[0].1.columns
        var manifest = IndexManifest(
            backend: "local", dimension: dimension, images: catalog.images.count, captions: catalog.captions.count,
            dataset: dataset.source.standardizedFileURL.path, split: split, run: URL(fileURLWithPath: runFolder).standardizedFileURL.path)
        manifest.euclidean = euclidean ? true : nil
        if backend == "local" {
            for (set, vectors) in sets {
                let graph = hnsw || vectors.rows >= hnswThreshold
                try LocalVectorSearch.write(vectors, set: set, to: folder, graph: graph)
                print("\(set.rawValue): \(grouped(vectors.rows)) × \(dimension)" + (graph ? ", HNSW graph" : ", exact search"))
            }
        } else {
            manifest.backend = "postgres"
            manifest.postgresURL = backend
            manifest.tablePrefix = tablePrefix
            for (set, vectors) in sets {
                let ids = set.holdsImages ? catalog.images.map(\.id) : catalog.captions.map(\.id)
                let labels = set.holdsImages ? catalog.images.map(\.path) : catalog.captions.map(\.text)
                try PostgresVectorSearch.write(vectors, set: set, ids: ids, labels: labels, url: backend, prefix: tablePrefix)
                print("\(set.rawValue): \(grouped(vectors.rows)) × \(dimension) into table \(tablePrefix)_\(set.rawValue.replacingOccurrences(of: "-", with: "_")) with an HNSW index")
            }
        }
        try copyModel(of: trained, to: folder.appendingPathComponent("model"))
        try GalleryIndex.writeManifest(manifest, to: folder)
        print("index: \(out) (\(grouped(catalog.images.count)) images, \(grouped(catalog.captions.count)) captions, \(manifest.backend) backend)")
    }

    /// Copies what embedding a query needs: the configuration, the best weights and a GRU's Doc2Vec model.
    func copyModel(of run: TrainedRun, to target: URL) throws {
        let manager = FileManager.default
        try? manager.removeItem(at: target)
        try manager.createDirectory(at: target, withIntermediateDirectories: true)
        var description = run.description
        description.doc2vec = nil
        if run.usesTokens, let doc2vec = run.doc2vec {
            try doc2vec.save(to: target.appendingPathComponent("doc2vec"))
            description.doc2vec = "doc2vec"
        }
        description.separateDirections = run.separateDirections
        try description.write(to: target)
        for subfolder in run.separateDirections ? ["image-to-text", "text-to-image"] : [""] {
            let from = run.folder.appendingPathComponent(subfolder).appendingPathComponent("best.safetensors")
            let to = target.appendingPathComponent(subfolder)
            try manager.createDirectory(at: to, withIntermediateDirectories: true)
            try manager.copyItem(at: from, to: to.appendingPathComponent("best.safetensors"))
        }
    }
}
