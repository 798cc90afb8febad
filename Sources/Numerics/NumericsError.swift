/// An error from a numeric routine, naming what the caller must change.
public struct NumericsError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong, in words a user can act on.
    public let message: String

    /// Creates an error with a message.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
