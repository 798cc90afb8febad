import Evaluation
import Foundation
import Numerics

/// Turns queries into unit vectors of the index's joint space (implemented by the command line over a run).
///
/// Both calls stop with `DeadlineExceeded` once `deadline` passes (checked between network layers).
public protocol QueryEmbedding: Sendable {
    /// The embedding of a text query (text→image space).
    func embed(text: String, deadline: Deadline) throws -> [Float]
    /// The embedding of an encoded image (JPEG, PNG, WebP, GIF, HEIC or AVIF); throws ``BadQuery`` when it cannot be decoded.
    func embed(imageData: Data, deadline: Deadline) throws -> [Float]
    /// The words of a text query the model leaves out because it does not know them, or nil when it reads
    /// any text. (`embed(text:)` refuses a query with no known word with ``BadQuery``.)
    func unknownWords(in text: String) -> [String]?
    /// The run's score → match probability for text queries' images, or nil when it has none.
    var calibration: MatchCalibration? { get }
    /// The same for image queries' captions (nil when the directions have separate models).
    var imageQueryCalibration: MatchCalibration? { get }
}

extension QueryEmbedding {
    /// An open vocabulary: no word is unknown.
    public func unknownWords(in text: String) -> [String]? { nil }
    /// No calibration.
    public var calibration: MatchCalibration? { nil }
    /// No calibration.
    public var imageQueryCalibration: MatchCalibration? { nil }
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

/// Changes to the served gallery (implemented by the command line over a ``GalleryWriter`` and the run).
///
/// Calls are serialised by the implementation; each returns once its change is on disk and visible.
public protocol GalleryUpdates: Sendable {
    /// Adds an uploaded image (JPEG, PNG, WebP, GIF, HEIC or AVIF bytes) under `id` (or one made from its content) with an optional
    /// caption; returns the id. Throws ``BadQuery`` for an undecodable image and ``GalleryConflict`` for an id in use.
    func add(imageData: Data, id: String?, caption: String?, deadline: Deadline) throws -> String
    /// Removes an image and its captions; false when no such image is in the gallery.
    func remove(id: String) throws -> Bool
}

/// An addition under an id the gallery already holds (answered with 409).
public struct GalleryConflict: Error, Sendable {
    /// The id in use.
    public let id: String

    /// Creates the error.
    public init(id: String) { self.id = id }
}

/// A bearer token compared in time that does not depend on where the first difference is.
public struct WriteToken: Sendable {
    private let expected: [UInt8]

    /// The token writes must present as `Authorization: Bearer <token>`.
    public init(_ token: String) { expected = Array(token.utf8) }

    /// Whether an `Authorization` header carries the token. Every byte of the longer of the two is visited.
    public func admits(_ header: String?) -> Bool {
        guard let header, header.hasPrefix("Bearer ") else { return false }
        let given = Array(header.utf8.dropFirst(7))
        var difference = UInt8(given.count == expected.count ? 0 : 1)
        for i in 0..<max(given.count, expected.count) {
            difference |= (i < given.count ? given[i] : 0) ^ (i < expected.count ? expected[i] : 0xFF)
        }
        return difference == 0
    }
}
