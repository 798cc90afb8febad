import Numerics

/// Features of a list of images or captions, with the ids of the rows and what was skipped.
public struct ExtractedFeatures: Sendable {
    /// One row per item that could be read.
    public var vectors: Matrix
    /// The ids of the rows.
    public var ids: [String]
    /// Items that could not be read, each as "file: reason".
    public var skipped: [String]
    /// Whether the result came from the cache.
    public var cached: Bool
    /// Anything else worth telling the user (captions without known words), or empty.
    public var note = ""
}
