/// A dense, row-major matrix of `Float` values.
///
/// Element `(r, c)` lives at `values[r * columns + c]`, the layout that CBLAS calls
/// row-major and that NumPy calls C order, so a matrix moves to and from `.npy` files
/// without copying element by element.
public struct Matrix: Equatable, Sendable {
    /// The number of rows.
    public let rows: Int
    /// The number of columns.
    public let columns: Int
    /// The elements in row-major order; `values.count == rows * columns`.
    public var values: [Float]

    /// Creates a matrix filled with `value`.
    public init(rows: Int, columns: Int, repeating value: Float = 0) {
        precondition(rows >= 0 && columns >= 0, "matrix dimensions must be non-negative")
        self.rows = rows
        self.columns = columns
        self.values = [Float](repeating: value, count: rows * columns)
    }

    /// Creates a matrix from row-major values, throwing if the count does not match the shape.
    public init(rows: Int, columns: Int, values: [Float]) throws(NumericsError) {
        guard rows >= 0, columns >= 0 else {
            throw NumericsError("matrix dimensions must be non-negative, got \(rows)×\(columns)")
        }
        guard values.count == rows * columns else {
            throw NumericsError(
                "a \(rows)×\(columns) matrix needs \(rows * columns) values, got \(values.count)")
        }
        self.rows = rows
        self.columns = columns
        self.values = values
    }

    /// Creates a matrix from an array of equally long rows.
    public init(_ rowArrays: [[Float]]) throws(NumericsError) {
        let columns = rowArrays.first?.count ?? 0
        for (index, row) in rowArrays.enumerated() where row.count != columns {
            throw NumericsError("row \(index) has \(row.count) values, expected \(columns)")
        }
        try self.init(rows: rowArrays.count, columns: columns, values: rowArrays.flatMap { $0 })
    }

    /// The shape as `(rows, columns)`.
    public var shape: (rows: Int, columns: Int) { (rows, columns) }

    /// Reads or writes the element at row `row` and column `column`.
    @inlinable
    public subscript(row: Int, column: Int) -> Float {
        get { values[row * columns + column] }
        set { values[row * columns + column] = newValue }
    }

    /// A copy of one row.
    public func row(_ index: Int) -> [Float] {
        Array(values[index * columns..<(index + 1) * columns])
    }

    /// A new matrix made of the rows at `indices`, in that order.
    ///
    /// - Complexity: O(`indices.count * columns`).
    public func gatherRows<C: Collection>(_ indices: C) -> Matrix where C.Element == Int {
        var result = Matrix(rows: indices.count, columns: columns)
        result.values.withUnsafeMutableBufferPointer { destination in
            values.withUnsafeBufferPointer { source in
                for (outRow, inRow) in indices.enumerated() {
                    let from = source.baseAddress! + inRow * columns
                    (destination.baseAddress! + outRow * columns).update(from: from, count: columns)
                }
            }
        }
        return result
    }

    /// The transpose, as a new matrix.
    ///
    /// - Complexity: O(`rows * columns`).
    public func transposed() -> Matrix {
        var result = Matrix(rows: columns, columns: rows)
        for r in 0..<rows {
            for c in 0..<columns {
                result.values[c * rows + r] = values[r * columns + c]
            }
        }
        return result
    }
}
