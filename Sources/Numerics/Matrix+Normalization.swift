extension Matrix {
    /// Scales every row to unit Euclidean length in place and returns the original norms.
    ///
    /// Each row `x` becomes `x / max(‖x‖₂, epsilon)`, so an all-zero row stays zero instead of
    /// turning into NaN. The norm is accumulated in `Double`, so the result has unit length to
    /// within a few units in the last place of `Float`.
    ///
    /// - Complexity: O(`rows * columns`).
    @discardableResult
    public mutating func normalizeRows(epsilon: Float = 1e-12) -> [Float] {
        let columns = self.columns
        var norms = [Float](repeating: 0, count: rows)
        values.withUnsafeMutableBufferPointer { buffer in
            for r in 0..<rows {
                let row = UnsafeMutableBufferPointer(rebasing: buffer[r * columns..<(r + 1) * columns])
                var sum: Double = 0
                for x in row { sum += Double(x) * Double(x) }
                let norm = Float(sum.squareRoot())
                norms[r] = norm
                let scale = 1 / max(norm, epsilon)
                for i in row.indices { row[i] *= scale }
            }
        }
        return norms
    }

    /// A copy with every row scaled to unit Euclidean length; see ``normalizeRows(epsilon:)``.
    public func rowNormalized(epsilon: Float = 1e-12) -> Matrix {
        var copy = self
        copy.normalizeRows(epsilon: epsilon)
        return copy
    }
}
