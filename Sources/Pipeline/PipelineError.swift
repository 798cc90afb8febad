/// A pipeline step that cannot go on, with what the user should fix (a run folder that is not one, an
/// unknown encoder name, a neighbour file for other captions).
public struct PipelineError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong, naming the file or setting, in words a user can act on.
    public let message: String

    /// Creates an error with a message.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}
