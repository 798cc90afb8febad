import Numerics

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
}

/// The rows of a set a search may return: the committed ones (below `count`) not removed.
public struct VisibleRows: Equatable, Sendable {
    /// Rows below this are committed; rows at or beyond it are a writer's work in progress.
    public var count: Int
    /// Committed rows taken out of the gallery.
    public var removed: Set<Int>

    /// Every committed row of `count`, none removed.
    public init(count: Int, removed: Set<Int> = []) {
        self.count = count
        self.removed = removed
    }

    /// Whether a search may return `row`.
    public func contains(_ row: Int) -> Bool { row >= 0 && row < count && !removed.contains(row) }

    /// Rows a search may return.
    public var visibleCount: Int { max(0, count - removed.count) }

    /// No filter: whatever the set holds.
    public static let everything = VisibleRows(count: .max)
}

/// Where an index's vectors live and how they are searched and changed.
///
/// A change is made in two steps so that the catalogue can be the commit point between them: ``store(_:in:from:ids:labels:)``
/// makes new rows durable (invisible until the catalogue commits them), ``publish(_:in:from:)`` then shows them
/// to searches in this process (called under the index's write lock).
public protocol VectorSearchBackend: Sendable {
    /// The `k` best rows of `set` among `visible` for a query, best first.
    func search(_ query: [Float], in set: VectorSet, k: Int, visible: VisibleRows) throws(SearchError) -> [SearchHit]
    /// The sets this backend holds.
    var sets: [VectorSet] { get }
    /// The stored vector of one row, or nil when the row does not exist.
    func vector(_ set: VectorSet, row: Int) throws(SearchError) -> [Float]?
    /// Makes `vectors` durable as rows `start…` of `set`, replacing anything a crashed writer left at or after `start`.
    func store(_ vectors: Matrix, in set: VectorSet, from start: Int, ids: [String], labels: [String]) throws(SearchError)
    /// Shows stored rows `start…` to searches in this process.
    func publish(_ vectors: Matrix, in set: VectorSet, from start: Int) throws(SearchError)
    /// Drops rows the catalogue no longer shows (after their removal committed), where the backend can.
    func forget(rows: [Int], in set: VectorSet) throws(SearchError)
    /// Brings a set back to the catalogue after a crash: rows at or beyond `committed` go, removed rows are forgotten.
    func recover(_ set: VectorSet, committed: Int, removed: Set<Int>) throws(SearchError)
}

extension VectorSearchBackend {
    /// The `k` best rows of `set`, with no rows hidden.
    public func search(_ query: [Float], in set: VectorSet, k: Int) throws(SearchError) -> [SearchHit] {
        try search(query, in: set, k: k, visible: .everything)
    }
}
