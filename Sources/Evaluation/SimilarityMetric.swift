import Numerics

/// How a query and a gallery item are compared when ranking.
public enum SimilarityMetric: String, Codable, Sendable {
    /// Inner product (cosine similarity for L2-normalised embeddings): higher ranks first.
    case innerProduct
    /// Squared Euclidean distance: nearer ranks first (for spaces trained with an L2 loss and no normalisation).
    case squaredEuclidean

    /// Rows to rank by inner product that give this metric's order.
    ///
    /// For squared Euclidean distance, −‖q − g‖² = 2⟨q, g⟩ − ‖g‖² − ‖q‖², and ‖q‖² is the same for every
    /// item of one query, so ranking by ⟨[q, 1], [g, −‖g‖²/2]⟩ is ranking by distance: one extra column
    /// turns the problem into the inner-product ranking the GEMM blocks already do.
    /// - Complexity: O((q + g) · d).
    public func prepared(queries: Matrix, gallery: Matrix) -> (queries: Matrix, gallery: Matrix) {
        guard self == .squaredEuclidean else { return (queries, gallery) }
        func appending(_ matrix: Matrix, _ value: (Int) -> Float) -> Matrix {
            let d = matrix.columns
            var out = Matrix(rows: matrix.rows, columns: d + 1)
            for r in 0..<matrix.rows {
                for c in 0..<d { out.values[r * (d + 1) + c] = matrix.values[r * d + c] }
                out.values[r * (d + 1) + d] = value(r)
            }
            return out
        }
        let d = gallery.columns
        return (
            appending(queries) { _ in 1 },
            appending(gallery) { r in
                var norm: Float = 0
                for c in 0..<d { norm += gallery.values[r * d + c] * gallery.values[r * d + c] }
                return -norm / 2
            })
    }
}
