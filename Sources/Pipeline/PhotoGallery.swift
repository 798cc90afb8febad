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
        /// Images added that the gallery did not hold.
        public var added = 0
        /// Images embedded again because their file changed (the old entry replaced).
        public var changed = 0
        /// Images removed because their file left the folder (`prune`).
        public var removed = 0
        /// Images whose file left the folder, kept because the build did not prune.
        public var missing = 0
        /// Files of the folder whose ids a user removed from the gallery: a refresh leaves them out.
        public var keptOut = 0
        /// Images already in the gallery with the same content.
        public var unchanged = 0
        /// Files not added, and why.
        public var skipped: [SkippedFile] = []
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

    /// Indexes the photos under `photos` with the run in `run` into `folder`.
    ///
    /// When `folder` already holds a gallery of the same folder and run, this is a refresh: new files are
    /// added and changed ones embedded again; photos added by upload or `index add` stay, ids a user removed
    /// stay out, and images whose file left the folder stay unless `prune` is set. A gallery of anything else
    /// is replaced only with `replace` (built whole beside it and swapped in at the end); a folder of other
    /// files is never written into. A new gallery is created beside `folder` and moved into place only once
    /// the run's model has loaded, so a build that fails early leaves `folder` as it was; after that each
    /// batch commits on its own, so an interrupted build keeps what it finished and the next one goes on.
    ///
    /// - Parameter acknowledged: called with each image id once its batch is on disk.
    public static func build(
        run: String, photos: URL, captions: URL?, into folder: URL, backend: GalleryIndexWriter.Backend, store: ModelStore,
        batchSize: Int = 32, prune: Bool = false, replace: Bool = false, observer: PipelineObserver = .silent,
        acknowledged: (String) -> Void = { _ in }
    ) throws -> Outcome {
        let runPath = URL(fileURLWithPath: run).standardizedFileURL.path
        let root = photos.standardizedFileURL
        let source = IndexDestination.Source(location: root.path, split: "", run: runPath, isPhotoFolder: true)
        let refresh = try IndexDestination.check(folder, for: source, replace: replace) && !replace
        // The gallery's own folder is never scanned (uploads would come in twice) when it lies inside the photos.
        let scan = try PhotoFolder(scanning: photos, skipping: [folder, IndexDestination.temporary(for: folder)])
        let captionsOf = try captions.map(PhotoCaptions.read) ?? [:]
        if refresh {
            let index = try GalleryIndex(folder: folder)
            let encoder = try QueryEncoder(modelFolder: index.modelFolder, store: store, observer: observer)
            return try update(
                index, encoder: encoder, scan: scan, captions: captionsOf, prune: prune, batchSize: batchSize, observer: observer,
                acknowledged: acknowledged)
        }
        // A folder of nothing but files this build cannot read (a phone's HEIC photos) is an error, not an empty gallery.
        if scan.photos.isEmpty, !scan.skipped.isEmpty { throw NothingIndexed(source: root.path, skipped: scan.skipped) }
        // The run's own files are read first, so a broken run is named as such and nothing is written.
        let encoder = try QueryEncoder(modelFolder: URL(fileURLWithPath: run), store: store, observer: observer)
        if case .index = IndexDestination.inspect(folder) {
            // Replacing another gallery: built whole beside it, swapped in at the end.
            return try IndexDestination.buildBeside(folder) { building in
                try createEmpty(run: run, photoFolder: root.path, at: building, backend: backend)
                return try update(
                    GalleryIndex(folder: building), encoder: encoder, scan: scan, captions: captionsOf, prune: prune, batchSize: batchSize,
                    observer: observer, acknowledged: acknowledged)
            }
        }
        try IndexDestination.buildBeside(folder) { building in
            try createEmpty(run: run, photoFolder: root.path, at: building, backend: backend)
            _ = try GalleryIndex(folder: building)
        }
        return try update(
            GalleryIndex(folder: folder), encoder: encoder, scan: scan, captions: captionsOf, prune: prune, batchSize: batchSize,
            observer: observer, acknowledged: acknowledged)
    }

    /// Brings an open gallery up to date with a scan of its photo folder (see ``build(run:photos:captions:into:backend:store:batchSize:prune:replace:observer:acknowledged:)``).
    static func update(
        _ index: GalleryIndex, encoder: QueryEncoder, scan: PhotoFolder, captions captionsOf: [String: [String]], prune: Bool,
        batchSize: Int, observer: PipelineObserver, acknowledged: (String) -> Void
    ) throws -> Outcome {
        var outcome = Outcome()
        outcome.skipped = scan.skipped
        for file in scan.skipped { observer.note("skipped \(file.path): \(file.reason)") }
        let writer = try GalleryWriter(index: index)
        let catalog = index.catalog
        let rootPrefix = scan.root.path + "/"
        let uploads = index.folder.appendingPathComponent("uploads").standardizedFileURL.path + "/"
        /// Whether an image came from the photo folder (not an upload, nor a file added from elsewhere).
        func fromFolder(_ image: GalleryImage) -> Bool { image.path.hasPrefix(rootPrefix) && !image.path.hasPrefix(uploads) }
        var pending: [PhotoFolder.Photo] = []
        var replaced: [String] = []
        var unchanged = 0
        observer.step("checked", total: scan.photos.count) { counter in
            for photo in scan.photos {
                defer { counter.advance() }
                guard let image = catalog.image(id: photo.id) else {
                    if catalog.excludedImageIDs.contains(photo.id) { outcome.keptOut += 1 } else { pending.append(photo) }
                    continue
                }
                guard image.path == photo.url.standardizedFileURL.path else {
                    // The id belongs to an upload or an addition from elsewhere: it stays, and this file waits.
                    outcome.skipped.append(SkippedFile(
                        path: photo.url.path, category: "ids in use", reason: "the gallery already holds an image \(photo.id) from \(image.path)"))
                    continue
                }
                if let hash = image.contentHash, (try? contentHash(of: photo.url)) == hash {
                    unchanged += 1
                } else {
                    replaced.append(photo.id)
                    pending.append(photo)
                }
            }
        }
        let present = Set(scan.photos.map(\.id))
        let gone = catalog.images.filter { !$0.removed && fromFolder($0) && !present.contains($0.id) }.map(\.id)
        if prune {
            outcome.removed = try writer.remove(imageIDs: gone, exclude: false).count
        } else {
            outcome.missing = gone.count
        }
        // A changed file's old entry goes just before its new one comes; neither is a user's removal.
        try writer.remove(imageIDs: replaced, exclude: false)
        outcome.unchanged = unchanged
        let candidates = pending.map { Candidate(id: $0.id, url: $0.url, captions: captionsOf[$0.id] ?? []) }
        let added = try add(candidates, with: encoder, writer: writer, batchSize: batchSize, observer: observer, acknowledged: acknowledged)
        let changed = Set(replaced)
        outcome.changed = added.ids.filter { changed.contains($0) }.count
        outcome.added = added.ids.count - outcome.changed
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
                outcome.skipped.append(SkippedFile(path: path.path, category: "not found", reason: "no such file or folder"))
                continue
            }
            if isFolder.boolValue {
                let scan = try PhotoFolder(scanning: path)
                outcome.skipped += scan.skipped
                let parent = path.standardizedFileURL.lastPathComponent
                candidates += scan.photos.map { Candidate(id: id($0.url, fallback: parent + "/" + $0.id), url: $0.url) }
            } else if let unread = PhotoFolder.unreadFormat(path) {
                outcome.skipped.append(unread)
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
        // What the scan passed over is said here; `add` says what it cannot decode as it goes (not twice).
        for file in outcome.skipped { observer.note("skipped \(file.path): \(file.reason)") }
        let encoder = try QueryEncoder(modelFolder: index.modelFolder, store: store, observer: observer)
        let added = try add(candidates, with: encoder, writer: writer, batchSize: batchSize, observer: observer, acknowledged: acknowledged)
        outcome.added = added.ids.count
        outcome.skipped += added.skipped
        return outcome
    }

    /// Decodes, embeds and commits candidates in batches; unreadable files are skipped with their reason.
    static func add(
        _ candidates: [Candidate], with encoder: QueryEncoder, writer: GalleryWriter, batchSize: Int, observer: PipelineObserver,
        acknowledged: (String) -> Void
    ) throws -> (ids: [String], skipped: [SkippedFile]) {
        var added: [String] = []
        var skipped: [SkippedFile] = []
        try observer.step("images", total: candidates.count) { counter in
            for start in stride(from: 0, to: candidates.count, by: max(1, batchSize)) {
                let batch = Array(candidates[start..<min(candidates.count, start + max(1, batchSize))])
                let limits = encoder.decodeLimits
                let loaded = Parallel.map(batch.count) { i in Result { try load(batch[i].url, limits: limits) } }
                var items: [(Candidate, PhotoFacts, RGBImage)] = []
                for (candidate, result) in zip(batch, loaded) {
                    switch result {
                    case .success(let (facts, image)): items.append((candidate, facts, image))
                    case .failure(let error):
                        skipped.append(SkippedFile(path: candidate.url.path, category: "unreadable", reason: "\(error)"))
                        observer.note("skipped \(candidate.url.path): \(error)")
                    }
                }
                let new = try embed(items, with: encoder)
                try writer.add(new)
                for item in new { acknowledged(item.id) }
                added += new.map(\.id)
                counter.advance(by: batch.count)
            }
        }
        return (added, skipped)
    }

    /// Gallery entries for decoded photos: their vectors and their captions' vectors.
    public static func embed(_ items: [(Candidate, PhotoFacts, RGBImage)], with encoder: QueryEncoder) throws -> [NewGalleryImage] {
        let vectors = try encoder.galleryVectors(images: items.map(\.2))
        let texts = items.flatMap(\.0.captions)
        var captionVectors = try encoder.galleryVectors(captions: texts)[...]
        return zip(items, vectors).map { item, vectors in
            let (candidate, facts, _) = item
            let captions = candidate.captions.enumerated().map { n, text in
                (id: "\(candidate.id)#\(n)", text: text, vector: captionVectors.popFirst() ?? [])
            }
            return NewGalleryImage(
                id: candidate.id, path: candidate.url.standardizedFileURL.path, contentHash: facts.contentHash, vectors: vectors, captions: captions,
                taken: facts.taken)
        }
    }

    /// What a gallery records of a photo besides its pixels.
    public struct PhotoFacts: Sendable {
        /// ``contentHash(of:)`` of the file's bytes.
        public var contentHash: String
        /// When it was taken: the EXIF date, else the file's modification time (an upload's arrival).
        public var taken: Double?

        /// The facts of a photo's bytes, read from `file` (nil: just received).
        public init(of data: Data, file: URL?) {
            contentHash = PhotoGallery.contentHash(of: data)
            if let date = RGBImage.captureDate(of: data) {
                taken = date
            } else if let file {
                taken = (try? FileManager.default.attributesOfItem(atPath: file.path)[.modificationDate] as? Date)?.timeIntervalSince1970
            } else {
                taken = Date().timeIntervalSince1970
            }
        }
    }

    /// A photo's facts and pixels (decoded no smaller than `limits` asks), or an error naming what is wrong with it.
    public static func load(_ url: URL, limits: DecodeLimits = .forImageEncoder) throws -> (PhotoFacts, RGBImage) {
        let data = try RegularFile.read(url, maxBytes: RGBImage.maxFileBytes)
        return (PhotoFacts(of: data, file: url), try RGBImage.decodeUpright(data, limits: limits))
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
