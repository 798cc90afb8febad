import Foundation
import SafeFiles

/// A tensor file that cannot be read or written, naming the file and the problem.
public struct TensorFileError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file's path, or a label such as `<memory>` for in-memory data.
    public let file: String
    /// What is wrong with it, in words a user can act on.
    public let problem: String

    /// Creates an error for `file`.
    public init(file: String, problem: String) {
        self.file = file
        self.problem = problem
    }

    /// The file and the problem on one line.
    public var message: String { "\(file): \(problem)" }

    public var description: String { message }
}

extension TensorFileError {
    /// The largest tensor file read.
    static let maximumFileBytes = 8 << 30

    /// The bytes of `url`, a regular file of at most ``maximumFileBytes``, or an error naming the file.
    static func contents(of url: URL) throws(TensorFileError) -> Data {
        do {
            return try RegularFile.read(url, maxBytes: maximumFileBytes)
        } catch {
            throw TensorFileError(file: error.path, problem: error.problem)
        }
    }
}
