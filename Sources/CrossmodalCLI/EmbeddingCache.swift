import Encoders
import Foundation
import Numerics
import TensorFiles

/// Finished embeddings kept under a key over the encoder and every input's content, so that
/// rerunning `embed` on unchanged inputs copies the result instead of recomputing it.
struct EmbeddingCache {
    let folder: URL

    /// `$XDG_CACHE_HOME/crossmodal/embeddings`, else `~/.cache/crossmodal/embeddings`.
    static var defaultFolder: URL {
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

    /// Stores a result; a cache that cannot be written is not an error for the run.
    func store(_ key: String, vectors: Matrix, ids: [String], skipped: [String]) {
        do {
            try EmbeddingFile.write(vectors, ids: ids, to: entry(key))
            try Data(skipped.map { $0 + "\n" }.joined().utf8)
                .write(to: folder.appendingPathComponent("\(key).skipped.txt"), options: .atomic)
        } catch {
            FileHandle.standardError.write(Data("warning: could not write the embedding cache: \(error)\n".utf8))
        }
    }
}
