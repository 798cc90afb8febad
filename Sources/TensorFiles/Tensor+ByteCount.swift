extension Tensor {
    /// The bytes a tensor of `shape` and `width`-byte elements holds, or nil when a dimension is
    /// negative or the product overflows: a file's header must never be able to trap the reader.
    public static func byteCount(shape: [Int], width: Int) -> Int? {
        var total = width
        for dimension in shape {
            guard dimension >= 0 else { return nil }
            let (product, overflow) = total.multipliedReportingOverflow(by: dimension)
            guard !overflow else { return nil }
            total = product
        }
        return total
    }
}
