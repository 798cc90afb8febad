/// A text model that cannot be trained, loaded or used as asked, with what to fix.
public struct TextModelError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong, in words a user can act on.
    public let message: String

    /// Creates an error with a message.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
