import Encoders
import Foundation
import Numerics
import SafeFiles
import Search

/// The gallery a server changes while it serves: uploads are saved into the index's `uploads/` folder,
/// embedded with the index's run and committed one at a time through a ``GalleryWriter``.
public final class LiveGallery: @unchecked Sendable {
    /// Why an upload was refused.
    public enum Refusal: Error, Sendable {
        /// The bytes are not a readable JPEG, PNG, WebP, GIF, HEIC or AVIF (with the decoder's words).
        case notAnImage(String)
        /// The gallery already holds an image with this id.
        case idInUse(String)
    }

    private let index: GalleryIndex
    private let writer: GalleryWriter
    private let encoder: QueryEncoder
    private let limits: DecodeLimits
    private let lock = NSLock()

    /// Takes the index's write lock (so no other process writes while this serves).
    public init(index: GalleryIndex, encoder: QueryEncoder, limits: DecodeLimits) throws {
        self.index = index
        writer = try GalleryWriter(index: index)
        self.encoder = encoder
        self.limits = limits
    }

    /// The folder uploads are kept in.
    public var uploads: URL { index.folder.appendingPathComponent("uploads") }

    /// Decodes, saves (flushed), embeds and commits an upload; returns its id (`uploads/<hash>.<ext>` unless given).
    public func add(imageData: Data, id: String?, caption: String?, deadline: Deadline) throws -> String {
        let image: RGBImage
        do {
            image = try RGBImage.decodeUpright(imageData, limits: limits)
        } catch {
            throw Refusal.notAnImage(error.message)
        }
        let facts = PhotoGallery.PhotoFacts(of: imageData, file: nil)
        let name = "\(facts.contentHash).\(RGBImage.fileExtension(of: imageData))"
        let id = id ?? "uploads/\(name)"
        let candidate = PhotoGallery.Candidate(id: id, url: uploads.appendingPathComponent(name), captions: caption.map { [$0] } ?? [])
        let items = try PhotoGallery.embed([(candidate, facts, image)], with: encoder)
        try deadline.check()
        try lock.withLock {
            guard index.catalog.image(id: id) == nil else { throw Refusal.idInUse(id) }
            try FileManager.default.createDirectory(at: uploads, withIntermediateDirectories: true)
            if !FileManager.default.fileExists(atPath: candidate.url.path) { try DurableFile.replace(candidate.url, with: imageData) }
            try writer.add(items)
        }
        return id
    }

    /// Removes an image (and an uploaded file no other image uses); false when the gallery has no such image.
    public func remove(id: String) throws -> Bool {
        try lock.withLock {
            guard let image = index.catalog.image(id: id) else { return false }
            try writer.remove(imageIDs: [id])
            let file = URL(fileURLWithPath: image.path)
            if file.deletingLastPathComponent().standardizedFileURL.path == uploads.standardizedFileURL.path,
                !index.catalog.images.contains(where: { !$0.removed && $0.path == image.path })
            {
                try? FileManager.default.removeItem(at: file)
            }
            return true
        }
    }

    /// Saves the HNSW graphs and releases the write lock.
    public func close() throws {
        try lock.withLock { try writer.close() }
    }
}
