/// A file that cannot be read as asked, naming it and the reason.
public struct FileReadError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file's path.
    public let path: String
    /// What is wrong, in words a user can act on.
    public let problem: String

    /// Creates an error for `path`.
    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    /// `path: problem`.
    public var message: String { "\(path): \(problem)" }

    public var description: String { message }
}
