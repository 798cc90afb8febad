import Numerics

/// How a query and a gallery item are compared when ranking.
///
/// Every ranking here is an inner-product ranking (a GEMM, a matrix–vector product, an HNSW graph or
/// pgvector's `<#>`); squared Euclidean distance gets there by one extra column. Since
/// −‖q − g‖² = 2⟨q, g⟩ − ‖g‖² − ‖q‖², and ‖q‖² is the same for every item of one query, ranking by
/// ⟨[q, 1], [g, −‖g‖²/2]⟩ is ranking by distance. The gallery side (``preparedGallery(_:)``) and the
/// query side (``preparedQuery(_:)``) are both here, so evaluation, reports and indexes agree.
public enum SimilarityMetric: String, Codable, Sendable {
    /// Inner product (cosine similarity for L2-normalised embeddings): higher ranks first.
    case innerProduct
    /// Squared Euclidean distance: nearer ranks first (for spaces trained with an L2 loss and no normalisation).
    case squaredEuclidean

    /// The width of a prepared row for embeddings of width `dimension`.
    public func preparedWidth(_ dimension: Int) -> Int { self == .squaredEuclidean ? dimension + 1 : dimension }

    /// Gallery rows as an inner-product search needs them: unchanged, or with −‖g‖²/2 appended.
    /// - Complexity: O(g · d).
    public func preparedGallery(_ gallery: Matrix) -> Matrix {
        guard self == .squaredEuclidean else { return gallery }
        let d = gallery.columns
        return Self.appending(gallery) { r in
            var norm: Float = 0
            for c in 0..<d { norm += gallery.values[r * d + c] * gallery.values[r * d + c] }
            return -norm / 2
        }
    }

    /// Query rows as an inner-product search needs them: unchanged, or with a 1 appended.
    public func preparedQueries(_ queries: Matrix) -> Matrix {
        self == .squaredEuclidean ? Self.appending(queries) { _ in 1 } : queries
    }

    /// One query embedding as an inner-product search needs it.
    public func preparedQuery(_ query: [Float]) -> [Float] { self == .squaredEuclidean ? query + [1] : query }

    /// A stored gallery row back as the embedding it was prepared from.
    public func embedding(ofPrepared row: [Float]) -> [Float] { self == .squaredEuclidean ? Array(row.dropLast()) : row }

    /// Rows to rank by inner product that give this metric's order.
    /// - Complexity: O((q + g) · d).
    public func prepared(queries: Matrix, gallery: Matrix) -> (queries: Matrix, gallery: Matrix) {
        (preparedQueries(queries), preparedGallery(gallery))
    }

    private static func appending(_ matrix: Matrix, _ value: (Int) -> Float) -> Matrix {
        let d = matrix.columns
        var out = Matrix(rows: matrix.rows, columns: d + 1)
        for r in 0..<matrix.rows {
            for c in 0..<d { out.values[r * (d + 1) + c] = matrix.values[r * d + c] }
            out.values[r * (d + 1) + d] = value(r)
        }
        return out
    }
}
