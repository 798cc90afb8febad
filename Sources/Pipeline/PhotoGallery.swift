import Encoders
import Foundation
import Numerics
import SafeFiles
import Search

/// Galleries of a user's own photos: index a plain folder, refresh it, add and remove pictures.
///
/// Every change goes through ``GalleryWriter``, one batch per commit, so an interrupted build keeps
/// every batch it finished and a rebuild picks up where it stopped.
public enum PhotoGallery {
    /// What a build or an addition did.
    public struct Outcome: Sendable {
        /// Images added (new or changed files).
        public var added = 0
        /// Images removed (files gone or changed).
        public var removed = 0
        /// Images already in the gallery with the same content.
        public var unchanged = 0
        /// Files not added: path and reason.
        public var skipped: [(path: String, reason: String)] = []
        /// Images and captions in the gallery afterwards, and where its vectors live.
        public var gallery = (images: 0, captions: 0, backend: "")
    }

    /// A photo to add: its id, file and captions.
    public struct Candidate: Sendable {
        /// The gallery id.
        public var id: String
        /// The file.
        public var url: URL
        /// Its captions (maybe none).
        public var captions: [String]

        /// Creates a candidate.
        public init(id: String, url: URL, captions: [String] = []) {
            self.id = id
            self.url = url
            self.captions = captions
        }
    }

    /// Indexes the photos under `photos` with the run in `run` into `folder`; when `folder` already holds
    /// an index of the same folder and run, only new or changed files are embedded and deleted ones dropped.
    ///
    /// - Parameter acknowledged: called with each image id once its batch is on disk.
    public static func build(
        run: String, photos: URL, captions: URL?, into folder: URL, backend: GalleryIndexWriter.Backend, store: ModelStore,
        batchSize: Int = 32, observer: PipelineObserver = .silent, acknowledged: (String) -> Void = { _ in }
    ) throws -> Outcome {
        let scan = try PhotoFolder(scanning: photos)
        let captionsOf = try captions.map(PhotoCaptions.read) ?? [:]
        let runPath = URL(fileURLWithPath: run).standardizedFileURL.path
        let manifestFile = folder.appendingPathComponent("index.json")
        let index: GalleryIndex
        if FileManager.default.fileExists(atPath: manifestFile.path) {
            index = try GalleryIndex(folder: folder)
            guard index.manifest.photoFolder == scan.root.path, index.manifest.run == runPath else {
                throw PipelineError(
                    "\(folder.path) already holds an index of \(index.manifest.photoFolder ?? index.manifest.dataset) made with "
                        + "\(index.manifest.run); give another --out, or delete it to start again")
            }
        } else {
            try createEmpty(run: run, photoFolder: scan.root.path, at: folder, backend: backend)
            index = try GalleryIndex(folder: folder)
        }
        var outcome = Outcome()
        outcome.skipped = scan.skipped
        for (path, reason) in scan.skipped { observer.note("skipped \(path): \(reason)") }
        let writer = try GalleryWriter(index: index)
        // Files gone, or changed (their old entry goes and the new content comes in as new).
        let present = Dictionary(scan.photos.map { ($0.id, $0.url) }, uniquingKeysWith: { first, _ in first })
        let catalog = index.catalog
        var gone: [String] = []
        var unchangedIDs: Set<String> = []
        try observer.step("checked", total: catalog.liveImageCount) { counter in
            for image in catalog.images where !image.removed {
                defer { counter.advance() }
                guard let url = present[image.id] else {
                    gone.append(image.id)
                    continue
                }
                if let hash = image.contentHash, (try? contentHash(of: url)) == hash {
                    unchangedIDs.insert(image.id)
                } else {
                    gone.append(image.id)
                }
            }
        }
        outcome.removed = try writer.remove(imageIDs: gone).count
        outcome.unchanged = unchangedIDs.count
        let candidates = scan.photos.filter { !unchangedIDs.contains($0.id) }.map {
            Candidate(id: $0.id, url: $0.url, captions: captionsOf[$0.id] ?? [])
        }
        let encoder = try QueryEncoder(modelFolder: index.modelFolder, store: store, observer: observer)
        let added = try add(candidates, with: encoder, writer: writer, batchSize: batchSize, observer: observer, acknowledged: acknowledged)
        outcome.added = added.added
        outcome.skipped += added.skipped
        try writer.close()
        outcome.gallery = (index.catalog.liveImageCount, index.catalog.liveCaptionCount, index.manifest.backend)
        return outcome
    }

    /// Writes an index with no items (its sets empty, the run's model copied in), ready for additions.
    static func createEmpty(run: String, photoFolder: String?, at folder: URL, backend: GalleryIndexWriter.Backend) throws {
        let trained = try TrainedRun.open(run)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try trained.copyModel(to: folder.appendingPathComponent("model"))
        let width = trained.description.training.embeddingDimension
        var sets: [(VectorSet, Matrix)] = [(.images, Matrix(rows: 0, columns: width)), (.captions, Matrix(rows: 0, columns: width))]
        if trained.separateDirections { sets.append((.imagesForTextQueries, Matrix(rows: 0, columns: width))) }
        var local = backend
        if case .local = backend { local = .local(hnswThreshold: .max, alwaysHNSW: false) }
        _ = try GalleryIndexWriter(folder: folder, backend: local).write(
            catalog: GalleryCatalog(images: [], captions: []), sets: sets, metric: trained.metric,
            source: (photoFolder ?? "", "", URL(fileURLWithPath: run).standardizedFileURL.path), photoFolder: photoFolder)
    }

    /// Adds files and folders to an open index: a folder's photos get ids relative to the gallery's photo
    /// folder when they lie inside it, else relative to the folder's parent; a lone file gets its path
    /// relative to the photo folder, else its name. Ids already in the gallery are skipped.
    public static func add(
        paths: [URL], captions: URL?, to index: GalleryIndex, writer: GalleryWriter, store: ModelStore, batchSize: Int = 32,
        observer: PipelineObserver = .silent, acknowledged: (String) -> Void = { _ in }
    ) throws -> Outcome {
        let captionsOf = try captions.map(PhotoCaptions.read) ?? [:]
        let base = index.manifest.photoFolder.map { URL(fileURLWithPath: $0).standardizedFileURL.path + "/" }
        func id(_ url: URL, fallback: String) -> String {
            let path = url.standardizedFileURL.path
            if let base, path.hasPrefix(base) { return String(path.dropFirst(base.count)) }
            return fallback
        }
        var candidates: [Candidate] = []
        var outcome = Outcome()
        for path in paths {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path.path, isDirectory: &isFolder) else {
                outcome.skipped.append((path.path, "no such file or folder"))
                continue
            }
            if isFolder.boolValue {
                let scan = try PhotoFolder(scanning: path)
                outcome.skipped += scan.skipped
                let parent = path.standardizedFileURL.lastPathComponent
                candidates += scan.photos.map { Candidate(id: id($0.url, fallback: parent + "/" + $0.id), url: $0.url) }
            } else {
                candidates.append(Candidate(id: id(path, fallback: path.lastPathComponent), url: path))
            }
        }
        let catalog = index.catalog
        var seen: Set<String> = []
        candidates = candidates.filter { candidate in
            guard catalog.image(id: candidate.id) == nil, seen.insert(candidate.id).inserted else {
                outcome.unchanged += 1
                return false
            }
            return true
        }
        for i in candidates.indices { candidates[i].captions = captionsOf[candidates[i].id] ?? [] }
        let encoder = try QueryEncoder(modelFolder: index.modelFolder, store: store, observer: observer)
        let added = try add(candidates, with: encoder, writer: writer, batchSize: batchSize, observer: observer, acknowledged: acknowledged)
        outcome.added = added.added
        outcome.skipped += added.skipped
        for (path, reason) in outcome.skipped { observer.note("skipped \(path): \(reason)") }
        return outcome
    }

    /// Decodes, embeds and commits candidates in batches; unreadable files are skipped with their reason.
    static func add(
        _ candidates: [Candidate], with encoder: QueryEncoder, writer: GalleryWriter, batchSize: Int, observer: PipelineObserver,
        acknowledged: (String) -> Void
    ) throws -> (added: Int, skipped: [(path: String, reason: String)]) {
        var added = 0
        var skipped: [(String, String)] = []
        try observer.step("images", total: candidates.count) { counter in
            for start in stride(from: 0, to: candidates.count, by: max(1, batchSize)) {
                let batch = Array(candidates[start..<min(candidates.count, start + max(1, batchSize))])
                let limits = encoder.decodeLimits
                let loaded = Parallel.map(batch.count) { i in Result { try load(batch[i].url, limits: limits) } }
                var items: [(Candidate, String, RGBImage)] = []
                for (candidate, result) in zip(batch, loaded) {
                    switch result {
                    case .success(let (hash, image)): items.append((candidate, hash, image))
                    case .failure(let error):
                        skipped.append((candidate.url.path, "\(error)"))
                        observer.note("skipped \(candidate.url.path): \(error)")
                    }
                }
                let new = try embed(items, with: encoder)
                try writer.add(new)
                for item in new { acknowledged(item.id) }
                added += new.count
                counter.advance(by: batch.count)
            }
        }
        return (added, skipped)
    }

    /// Gallery entries for decoded photos: their vectors and their captions' vectors.
    public static func embed(_ items: [(Candidate, String, RGBImage)], with encoder: QueryEncoder) throws -> [NewGalleryImage] {
        let vectors = try encoder.galleryVectors(images: items.map(\.2))
        let texts = items.flatMap(\.0.captions)
        var captionVectors = try encoder.galleryVectors(captions: texts)[...]
        return zip(items, vectors).map { item, vectors in
            let (candidate, hash, _) = item
            let captions = candidate.captions.enumerated().map { n, text in
                (id: "\(candidate.id)#\(n)", text: text, vector: captionVectors.popFirst() ?? [])
            }
            return NewGalleryImage(id: candidate.id, path: candidate.url.standardizedFileURL.path, contentHash: hash, vectors: vectors, captions: captions)
        }
    }

    /// A photo's content hash and pixels (decoded no smaller than `limits` asks), or an error naming what is
    /// wrong with it.
    public static func load(_ url: URL, limits: DecodeLimits = .forImageEncoder) throws -> (String, RGBImage) {
        let data = try RegularFile.read(url, maxBytes: RGBImage.maxFileBytes)
        return (contentHash(of: data), try RGBImage.decode(data, limits: limits))
    }

    /// The content hash of a file's bytes.
    static func contentHash(of url: URL) throws -> String { contentHash(of: try RegularFile.read(url, maxBytes: RGBImage.maxFileBytes)) }

    /// The content hash of bytes (64-bit FNV-1a: tells changed files apart, not forged ones).
    public static func contentHash(of data: Data) -> String {
        var hasher = ContentHasher()
        data.withUnsafeBytes { hasher.combine(bytes: $0) }
        return hasher.hexDigest
    }
}
