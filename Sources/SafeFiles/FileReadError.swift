import Foundation

/// A file that cannot be read as asked: which file, and why.
public struct FileReadError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Why a file was not read.
    public enum Reason: Equatable, Sendable {
        /// The system refused (the file is missing, not permitted …), with its words.
        case unreadable(String)
        /// It is a folder, a FIFO, a device or a socket.
        case notRegular(kind: String)
        /// It holds more bytes than this kind of file may.
        case tooLarge(bytes: Int, limit: Int)
        /// It should be UTF-8 text and is not.
        case notText
        /// Writing it failed (no space, no permission, another writer …), with the system's words.
        case unwritable(String)
    }

    /// The file's path.
    public let path: String
    /// Why it was not read.
    public let reason: Reason

    /// An error about `path` (a file, or a member of an archive: `<shard>#<member>`).
    public init(path: String, reason: Reason) {
        self.path = path
        self.reason = reason
    }

    /// What is wrong, in words a user can act on.
    public var problem: String {
        switch reason {
        case .unreadable(let why): "cannot be read (\(why))"
        case .notRegular(let kind): "is not a regular file (\(kind)); give a file"
        case .tooLarge(let bytes, let limit): "has \(bytes) bytes, more than the \(limit) allowed for this kind of file"
        case .notText: "is not UTF-8 text"
        case .unwritable(let why): "cannot be written (\(why))"
        }
    }

    /// `path: problem`.
    public var message: String { "\(path): \(problem)" }

    public var description: String { message }
}

extension FileReadError {
    /// An error about `url`.
    public init(_ url: URL, _ reason: Reason) {
        self.init(path: url.path, reason: reason)
    }
}
