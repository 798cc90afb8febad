import ArgumentParser
import Datasets
import Foundation
import Pipeline
import Search

/// `crossmodal index build`: embed a gallery with a run and store it for search.
struct IndexBuildCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build",
        abstract: "Embed a dataset split, or a plain folder of photos, with a trained run and store it for search.",
        discussion: """
            DATASET is a dataset (its --split is indexed) or any folder of JPEG and PNG files, searched recursively: ids are
            paths relative to it, and --captions FILE (lines of id<TAB>caption) is optional. Building the same folder with the
            same run into the same --out again is a refresh: it embeds new and changed files, keeps photos added by upload or
            `index add`, leaves out ids removed with `index remove`, and keeps images whose file left the folder unless
            --prune is given.
            --out must be new, empty, or an index of the same source: an index of another dataset, split, photo folder or
            run is replaced only with --replace, and a folder of other files never. The index is built beside --out and
            moved into place, so a build that fails leaves --out as it was.
            DIR gets index.json, catalog.sqlite (ids, captions, image paths), model/ (the run, to embed queries) and,
            with the default local backend, images.f32 and captions.f32: float32 rows, little-endian, readable with
            numpy.fromfile(path, "<f4").reshape(-1, dimension). Search is exact (BLAS) unless the gallery has at least
            --hnsw-threshold items or --hnsw is given, when an HNSW graph (hnswlib) is saved beside each set.
            With --shard I/N (a dataset, local backend) only the images whose id hashes to part I are indexed, so N workers
            (a Slurm array) build N parts at once; `index merge` then joins them into one gallery.
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
    @Option(help: "A folder of photos: a file of id<TAB>caption lines.") var captions: String?
    @Option(help: "A folder of photos: images embedded and committed together.") var batchSize = 32
    @Flag(help: "A folder of photos: remove images whose file has left the folder (a refresh keeps them otherwise).") var prune = false
    @Flag(help: "Replace an index of another source (dataset, split, photo folder or run) in --out.") var replace = false
    @Option(help: ArgumentHelp(
        "A dataset: index only part I of N of the split (images whose id hashes to I); `index merge` joins the N parts.",
        valueName: "I/N")) var shard: String?

    func validate() throws {
        guard backend == "local" || backend.hasPrefix("postgres://") || backend.hasPrefix("postgresql://") else {
            throw ValidationError("--backend is local or a postgres:// URL, not \(backend)")
        }
        guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
        if let shard {
            _ = try ShardSelection(parsing: shard)
            guard backend == "local" else {
                throw ValidationError("--shard builds local galleries for `index merge`; with PostgreSQL, workers share one work table (`embed images --into`)")
            }
        }
    }

    var writerBackend: GalleryIndexWriter.Backend {
        backend == "local" ? .local(hnswThreshold: hnswThreshold, alwaysHNSW: hnsw) : .postgres(url: backend, tablePrefix: tablePrefix)
    }

    func run() throws {
        let location = URL(fileURLWithPath: source.dataset.dataset)
        if !Dataset.isDataset(location) { return try buildPhotoFolder(location) }
        guard captions == nil else { throw ValidationError("--captions is for a folder of photos; a dataset has its own captions") }
        guard !prune else { throw ValidationError("--prune is for a folder of photos; a dataset's split is indexed whole") }
        let part = try shard.map { try ShardSelection(parsing: $0) } ?? .whole
        let destination = URL(fileURLWithPath: out)
        let dataset = try source.dataset.load().source
        // Checked before any work, and again by nothing else: the build happens beside --out.
        _ = try IndexDestination.check(
            destination,
            for: .init(
                location: dataset.standardizedFileURL.path, split: source.split, run: URL(fileURLWithPath: source.runFolder).standardizedFileURL.path,
                isPhotoFolder: false),
            replace: replace)
        let embedded = try source.embed(shard: part)
        let written = try IndexDestination.buildBeside(destination) { building in
            try GalleryBuild.write(
                embedded, dataset: dataset, run: source.runFolder, to: building, backend: writerBackend, shard: part == .whole ? nil : part.description,
                observer: .console)
        }
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

    private func buildPhotoFolder(_ folder: URL) throws {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isFolder), isFolder.boolValue else {
            throw ValidationError("\(folder.path) is neither a dataset nor a folder of photos")
        }
        let outcome = try PhotoGallery.build(
            run: source.runFolder, photos: folder, captions: captions.map { URL(fileURLWithPath: $0) }, into: URL(fileURLWithPath: out),
            backend: writerBackend, store: try source.model.store(), batchSize: batchSize, prune: prune, replace: replace, observer: .console)
        print("photos: \(grouped(outcome.added)) added, \(grouped(outcome.changed)) changed, \(grouped(outcome.unchanged)) unchanged, "
            + "\(grouped(outcome.removed)) removed, \(grouped(outcome.skipped.count)) skipped")
        if outcome.missing > 0 {
            print("kept: \(grouped(outcome.missing)) images whose file left the folder (--prune removes them)")
        }
        if outcome.keptOut > 0 {
            print("left out: \(grouped(outcome.keptOut)) files whose ids were removed from the gallery (`index add FILE` brings one back)")
        }
        print("index: \(out) (\(grouped(outcome.gallery.images)) images, \(grouped(outcome.gallery.captions)) captions, "
            + "\(outcome.gallery.backend) backend)")
        if !outcome.skipped.isEmpty { print("skipped: \(SkippedFile.summary(outcome.skipped))") }
        // Every file skipped and nothing in the gallery: the user's photos did not get in, so say so with the exit status.
        if outcome.added + outcome.changed + outcome.unchanged == 0, outcome.gallery.images == 0, !outcome.skipped.isEmpty {
            throw NothingIndexed(source: folder.path, skipped: outcome.skipped)
        }
    }
}
