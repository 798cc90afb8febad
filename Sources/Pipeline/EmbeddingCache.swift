import Foundation
import Numerics
import TensorFiles

/// Finished embeddings kept under a key over the encoder and every input's content, so that
/// rerunning on unchanged inputs copies the result instead of recomputing it.
public struct EmbeddingCache: Sendable {
    /// Where entries are kept.
    public let folder: URL

    /// A cache in `folder`.
    public init(folder: URL) { self.folder = folder }

    /// The cache in `path`, or in ``defaultFolder`` when nil.
    public init(path: String?) { self.init(folder: path.map { URL(fileURLWithPath: $0) } ?? Self.defaultFolder) }

    /// `$XDG_CACHE_HOME/crossmodal/embeddings`, else `~/.cache/crossmodal/embeddings`.
    public static var defaultFolder: URL {
        let environment = ProcessInfo.processInfo.environment
        let base = environment["XDG_CACHE_HOME"].map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache")
        return base.appendingPathComponent("crossmodal/embeddings")
    }

    func entry(_ key: String) -> URL { folder.appendingPathComponent("\(key).npy") }

    /// The cached vectors, ids and skip report for `key`, if present and readable.
    func load(_ key: String) -> (vectors: Matrix, ids: [String], skipped: [String])? {
        guard let (vectors, ids) = try? EmbeddingFile.read(entry(key)) else { return nil }
        let skippedFile = folder.appendingPathComponent("\(key).skipped.txt")
        let skipped = (try? String(contentsOf: skippedFile, encoding: .utf8))?
            .split(separator: "\n").map(String.init) ?? []
        return (vectors, ids, skipped)
    }

    /// Stores a result; a cache that cannot be written is a note, not an error for the run.
    func store(_ key: String, vectors: Matrix, ids: [String], skipped: [String], observer: PipelineObserver) {
        do {
            try EmbeddingFile.write(vectors, ids: ids, to: entry(key))
            try Data(skipped.map { $0 + "\n" }.joined().utf8)
                .write(to: folder.appendingPathComponent("\(key).skipped.txt"), options: .atomic)
        } catch {
            observer.note("warning: could not write the embedding cache: \(error)")
        }
    }
}
