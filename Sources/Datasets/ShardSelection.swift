/// One part of a deterministic split of a dataset's items into `count` parts by key (`--shard I/N`), so that N
/// independent workers (a Slurm job array, any scheduler) cover every item exactly once without talking.
///
/// An item belongs to part `FNV-1a-64(UTF-8 key) mod N`: the same on every machine and in every run, whatever
/// the order of the items, and about N equal parts for any keys.
public struct ShardSelection: Equatable, Sendable, CustomStringConvertible {
    /// This part, from 0.
    public let index: Int
    /// The number of parts.
    public let count: Int

    /// The whole dataset as one part.
    public static let whole = ShardSelection(checkedIndex: 0, count: 1)

    private init(checkedIndex: Int, count: Int) {
        self.index = checkedIndex
        self.count = count
    }

    /// Part `index` of `count` (0 ≤ index < count ≤ 1,000,000).
    public init(index: Int, count: Int) throws(DatasetError) {
        guard (1...1_000_000).contains(count), (0..<count).contains(index) else {
            throw DatasetError("shard \(index)/\(count) does not exist: give I/N with 0 ≤ I < N (a Slurm array passes $SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT)")
        }
        self.init(checkedIndex: index, count: count)
    }

    /// Parses `I/N`.
    public init(parsing text: String) throws(DatasetError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else {
            throw DatasetError("--shard takes I/N (this worker's part and the number of parts, e.g. 0/4), not \(text.prefix(40).debugDescription)")
        }
        try self.init(index: index, count: count)
    }

    /// `I/N`.
    public var description: String { "\(index)/\(count)" }

    /// The part `key` belongs to.
    public static func part(of key: String, count: Int) -> Int {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return Int(hash % UInt64(count))
    }

    /// Whether `key` is in this part.
    public func contains(_ key: String) -> Bool { count == 1 || Self.part(of: key, count: count) == index }
}
