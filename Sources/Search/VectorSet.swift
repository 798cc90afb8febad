/// The sets of vectors an index searches, each a gallery in one joint space.
public enum VectorSet: String, Codable, CaseIterable, Sendable {
    /// Images in the image→text model's space: the gallery of image→image queries.
    case images
    /// Captions in the image→text model's space: the gallery of image→text queries.
    case captions
    /// Images in the text→image model's space: the gallery of text→image queries. A single joint
    /// space has no separate copy; ``images`` serves instead.
    case imagesForTextQueries = "images-for-text-queries"

    /// Whether the set's rows are images (else captions).
    public var holdsImages: Bool { self != .captions }
}

/// One result of a search: the item's row in its set and its similarity (inner product of unit vectors).
public struct SearchHit: Equatable, Sendable {
    /// Row of the item in the vector set (and the catalogue).
    public var row: Int
    /// Cosine similarity to the query.
    public var score: Float

    /// Creates a hit.
    public init(row: Int, score: Float) {
        self.row = row
        self.score = score
    }
}

/// Where an index's vectors live and how they are searched.
public protocol VectorSearchBackend: Sendable {
    /// The `k` best rows of `set` for a unit-length `query`, best first.
    func search(_ query: [Float], in set: VectorSet, k: Int) throws(SearchError) -> [SearchHit]
    /// The sets this backend holds.
    var sets: [VectorSet] { get }
    /// The stored vector of one row, or nil when the row does not exist.
    func vector(_ set: VectorSet, row: Int) throws(SearchError) -> [Float]?
}
