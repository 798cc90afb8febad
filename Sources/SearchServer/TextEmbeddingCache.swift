import Foundation

/// The most recently used text-query embeddings, so that a repeated query skips the text encoder.
final class TextEmbeddingCache: @unchecked Sendable {
    private let capacity: Int
    private var entries: [String: (vector: [Float], used: UInt64)] = [:]
    private var clock: UInt64 = 0
    private let lock = NSLock()

    init(capacity: Int) { self.capacity = capacity }

    /// The cached embedding of `text`, if any.
    func get(_ text: String) -> [Float]? {
        lock.withLock {
            guard let entry = entries[text] else { return nil }
            clock += 1
            entries[text] = (entry.vector, clock)
            return entry.vector
        }
    }

    /// Stores an embedding, evicting the least recently used entry when full.
    ///
    /// - Complexity: O(1), or O(capacity) when an entry is evicted.
    func set(_ text: String, _ vector: [Float]) {
        guard capacity > 0 else { return }
        lock.withLock {
            clock += 1
            if entries[text] == nil, entries.count >= capacity, let oldest = entries.min(by: { $0.value.used < $1.value.used })?.key {
                entries[oldest] = nil
            }
            entries[text] = (vector, clock)
        }
    }
}
