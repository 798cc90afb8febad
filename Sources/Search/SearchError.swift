import Foundation

/// A problem with an index, a query or a search backend, with what to fix.
public struct SearchError: Error, CustomStringConvertible, Equatable, Sendable {
    /// What went wrong and what to do about it.
    public let message: String

    /// Creates an error with a message for the user.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}
