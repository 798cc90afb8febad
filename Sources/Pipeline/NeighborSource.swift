import Neighbors

/// How `train` finds each training caption's semantic neighbours from its Doc2Vec model.
public struct NeighborSource: Codable, Equatable, Sendable {
    /// Which vectors stand for the captions.
    public enum Vectors: String, Codable, Sendable, CaseIterable {
        /// The document vectors Doc2Vec trained (ours).
        case trained
        /// Each caption's vector inferred again from its text, as the first work's code does.
        case inferred
    }

    /// Which search finds them.
    public enum Search: String, Codable, Sendable, CaseIterable {
        /// Exact, by blocked GEMM.
        case exact
        /// An HNSW graph (hnswlib), as the first work's code does.
        case hnsw
    }

    /// The vectors.
    public var vectors: Vectors
    /// The distance.
    public var metric: NeighborMetric
    /// The search.
    public var search: Search
    /// Neighbours found per caption (at least the neighbour pool).
    public var k: Int

    /// Ours: cosine over the trained vectors, exact, as many as the pool needs.
    public static let standard = NeighborSource(vectors: .trained, metric: .cosine, search: .exact, k: 10)
    /// The first work's: L2 over re-inferred vectors, HNSW, k = 200.
    public static let firstWork = NeighborSource(vectors: .inferred, metric: .l2, search: .hnsw, k: 200)
}
