#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Matrix {
    /// The log-sum-exp of each row, `log Σⱼ exp(xᵢⱼ)`, computed stably.
    ///
    /// The row maximum `m` is subtracted first, `m + log Σ exp(x − m)`, so no term overflows;
    /// the sum is accumulated in `Double`. A row of all `-inf` gives `-inf`; an empty row gives `-inf`.
    ///
    /// - Complexity: O(`rows * columns`).
    public func rowLogSumExp() -> [Float] {
        (0..<rows).map { r in
            values.withUnsafeBufferPointer { buffer in
                Self.logSumExp(UnsafeBufferPointer(rebasing: buffer[r * columns..<(r + 1) * columns]))
            }
        }
    }

    /// Replaces each row by its softmax, `exp(xᵢⱼ − m) / Σₖ exp(xᵢₖ − m)` with `m` the row maximum.
    ///
    /// Shifting by the maximum avoids overflow; exponentials and the sum are taken in `Double`, so
    /// each probability has a relative error of about one `Float` rounding. A row of all `-inf`
    /// becomes uniform.
    ///
    /// - Complexity: O(`rows * columns`).
    public mutating func softmaxRows() {
        let columns = self.columns
        values.withUnsafeMutableBufferPointer { buffer in
            for r in 0..<rows {
                let row = UnsafeMutableBufferPointer(rebasing: buffer[r * columns..<(r + 1) * columns])
                guard let maximum = row.max() else { continue }
                guard maximum > -Float.infinity else {
                    for i in row.indices { row[i] = 1 / Float(columns) }
                    continue
                }
                var exponentials = [Double](repeating: 0, count: columns)
                var sum: Double = 0
                for i in row.indices {
                    exponentials[i] = exp(Double(row[i]) - Double(maximum))
                    sum += exponentials[i]
                }
                for i in row.indices { row[i] = Float(exponentials[i] / sum) }
            }
        }
    }

    /// A copy with each row replaced by its softmax; see ``softmaxRows()``.
    public func rowSoftmax() -> Matrix {
        var copy = self
        copy.softmaxRows()
        return copy
    }

    /// The stable log-sum-exp of a buffer; `-inf` when empty or all `-inf`.
    static func logSumExp(_ row: UnsafeBufferPointer<Float>) -> Float {
        guard let maximum = row.max(), maximum > -Float.infinity else { return -.infinity }
        if maximum == .infinity { return .infinity }
        var sum: Double = 0
        for x in row { sum += exp(Double(x) - Double(maximum)) }
        return Float(Double(maximum) + log(sum))
    }
}

/// The stable log-sum-exp of an array, `log Σ exp(xᵢ)`; `-inf` for an empty array.
public func logSumExp(_ values: [Float]) -> Float {
    values.withUnsafeBufferPointer { Matrix.logSumExp($0) }
}
