import Foundation
import Numerics

/// Turns queries into unit vectors of the index's joint space (implemented by the command line over a run).
///
/// Both calls stop with `DeadlineExceeded` once `deadline` passes (checked between network layers).
public protocol QueryEmbedding: Sendable {
    /// The embedding of a text query (text→image space).
    func embed(text: String, deadline: Deadline) throws -> [Float]
    /// The embedding of an encoded image (JPEG or PNG); throws ``BadQuery`` when it cannot be decoded.
    func embed(imageData: Data, deadline: Deadline) throws -> [Float]
}

/// A query the client got wrong (answered with 400 and the message).
public struct BadQuery: Error, CustomStringConvertible, Sendable {
    /// What is wrong with the query.
    public let message: String

    /// Creates the error.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}

/// The limits the server enforces on every request.
public struct ServiceLimits: Sendable {
    /// Largest request body (an uploaded image), in bytes.
    public var maxBodyBytes = 10 << 20
    /// Largest k.
    public var maxK = 100
    /// Longest text query, in Unicode scalars (not graphemes: one "character" can hold a million
    /// combining marks).
    public var maxQueryCharacters = 500
    /// Longest text query, in UTF-8 bytes.
    public var maxQueryBytes = 2000
    /// Longest a request may wait for a free core before it is turned away with 503, in seconds.
    public var maxQueueSeconds = 5.0
    /// Longest a request may take in all, in seconds (the connection's handler timeout).
    public var requestSeconds = 15.0
    /// The most uploaded images embedded at once (default: one fewer than the cores, at least one).
    public var imageWidth = max(1, ProcessInfo.processInfo.activeProcessorCount - 1)

    /// The defaults.
    public init() {}
}
