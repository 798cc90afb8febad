/// A model or input an encoder cannot use, with what to do about it.
public struct EncoderError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong, in words a user can act on.
    public let message: String

    /// Creates an error with a message.
    public init(_ message: String) { self.message = message }

    public var description: String { message }
}
