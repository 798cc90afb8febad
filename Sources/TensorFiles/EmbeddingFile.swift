import Foundation
import SafeFiles
import Numerics

/// A pipeline file of vectors with ids: `NAME.npy` (float32, one row per item) and `NAME.ids.txt`
/// (one id per line, in row order), so that NumPy and a text editor can open either half.
public enum EmbeddingFile {
    /// The ids file that goes with `vectors` (`x.npy` → `x.ids.txt`).
    public static func idsURL(for vectors: URL) -> URL {
        let base = vectors.pathExtension == "npy" ? vectors.deletingPathExtension() : vectors
        return base.appendingPathExtension("ids.txt")
    }

    /// Writes the vectors and their ids; ids must be one per row and contain no line breaks.
    public static func write(_ vectors: Matrix, ids: [String], to url: URL) throws(TensorFileError) {
        guard ids.count == vectors.rows else {
            throw TensorFileError(file: url.path, problem: "\(ids.count) ids for \(vectors.rows) vectors")
        }
        if let bad = ids.first(where: { $0.contains("\n") || $0.contains("\r") }) {
            throw TensorFileError(file: url.path, problem: "id \(bad.debugDescription) contains a line break")
        }
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw TensorFileError(file: url.path, problem: "cannot create its folder (\(error.localizedDescription))")
        }
        try NPYFile.write(Tensor(vectors), to: url)
        let idsURL = idsURL(for: url)
        do {
            try Data((ids.joined(separator: "\n") + (ids.isEmpty ? "" : "\n")).utf8).write(to: idsURL, options: .atomic)
        } catch {
            throw TensorFileError(file: idsURL.path, problem: "cannot be written (\(error.localizedDescription))")
        }
    }

    /// Reads vectors and ids written by ``write(_:ids:to:)`` (or by NumPy, with an ids file beside).
    public static func read(_ url: URL) throws(TensorFileError) -> (vectors: Matrix, ids: [String]) {
        let vectors = try NPYFile.read(url).matrix()
        let idsURL = idsURL(for: url)
        let text: String
        do {
            text = try RegularFile.text(idsURL, maxBytes: 4 << 30)
        } catch {
            throw TensorFileError(file: idsURL.path, problem: "missing or unreadable ids file for \(url.lastPathComponent) (\(error.problem))")
        }
        let ids = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast(text.hasSuffix("\n") ? 1 : 0).map(String.init)
        guard ids.count == vectors.rows else {
            throw TensorFileError(file: idsURL.path, problem: "\(ids.count) ids for the \(vectors.rows) rows of \(url.lastPathComponent)")
        }
        return (vectors, ids)
    }
}
