/// Which end of the ordering a top-k selection keeps.
public enum SelectionOrder: Sendable {
    /// Keep the `k` largest values (similarities).
    case largest
    /// Keep the `k` smallest values (distances).
    case smallest
}

/// One selected element: its position in the input and its value.
public struct ScoredIndex: Equatable, Sendable {
    /// The position in the scanned row.
    public var index: Int
    /// The value at that position.
    public var value: Float

    /// Creates a scored index.
    public init(index: Int, value: Float) {
        self.index = index
        self.value = value
    }
}

/// Selects the best `k` elements of a buffer by partial selection with a bounded heap.
///
/// Ties are broken towards the lower index, and NaN ranks below every number, so the result is
/// deterministic. Elements for which `isExcluded(index, value)` is true are skipped. The result is
/// ordered best first and holds `min(k, eligible count)` elements.
///
/// - Complexity: O(n log k) time and O(k) memory for n elements; the input is never sorted.
public func selectTopK(
    _ row: UnsafeBufferPointer<Float>, k: Int, order: SelectionOrder = .largest,
    isExcluded: ((Int, Float) -> Bool)? = nil
) -> [ScoredIndex] {
    guard k > 0 else { return [] }
    var heap = BoundedSelectionHeap(capacity: k, order: order)
    for (index, value) in row.enumerated() {
        if let isExcluded, isExcluded(index, value) { continue }
        heap.offer(ScoredIndex(index: index, value: value))
    }
    return heap.sortedBestFirst()
}

/// Selects the best `k` elements of an array; see ``selectTopK(_:k:order:isExcluded:)``.
public func selectTopK(
    _ values: [Float], k: Int, order: SelectionOrder = .largest,
    isExcluded: ((Int, Float) -> Bool)? = nil
) -> [ScoredIndex] {
    values.withUnsafeBufferPointer { selectTopK($0, k: k, order: order, isExcluded: isExcluded) }
}

extension Matrix {
    /// The best `k` columns of every row, best first; see ``selectTopK(_:k:order:isExcluded:)``.
    ///
    /// - Complexity: O(rows · columns · log k).
    public func topKPerRow(k: Int, order: SelectionOrder = .largest) -> [[ScoredIndex]] {
        values.withUnsafeBufferPointer { buffer in
            (0..<rows).map { r in
                selectTopK(
                    UnsafeBufferPointer(rebasing: buffer[r * columns..<(r + 1) * columns]),
                    k: k, order: order)
            }
        }
    }
}

/// A heap that keeps the best `capacity` candidates seen, with the worst kept one at the root.
struct BoundedSelectionHeap {
    let capacity: Int
    let order: SelectionOrder
    private(set) var items: [ScoredIndex] = []

    init(capacity: Int, order: SelectionOrder) {
        self.capacity = capacity
        self.order = order
        items.reserveCapacity(capacity)
    }

    /// True when `a` ranks strictly before `b`: better value, or equal value and lower index.
    func ranksBefore(_ a: ScoredIndex, _ b: ScoredIndex) -> Bool {
        if a.value.isNaN || b.value.isNaN {
            if a.value.isNaN && b.value.isNaN { return a.index < b.index }
            return b.value.isNaN
        }
        if a.value != b.value {
            return order == .largest ? a.value > b.value : a.value < b.value
        }
        return a.index < b.index
    }

    mutating func offer(_ candidate: ScoredIndex) {
        if items.count < capacity {
            items.append(candidate)
            siftUp(items.count - 1)
        } else if ranksBefore(candidate, items[0]) {
            items[0] = candidate
            siftDown(0)
        }
    }

    func sortedBestFirst() -> [ScoredIndex] {
        // Sorting the k survivors only; the scanned row itself is never sorted.
        items.sorted(by: ranksBefore)
    }

    // The root holds the element that ranks last, so parents rank after their children.
    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard ranksBefore(items[parent], items[child]) else { return }
            items.swapAt(parent, child)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var worst = parent
            if left < items.count, ranksBefore(items[worst], items[left]) { worst = left }
            if right < items.count, ranksBefore(items[worst], items[right]) { worst = right }
            if worst == parent { return }
            items.swapAt(parent, worst)
            parent = worst
        }
    }
}
