/// Caption length statistics, in white-space separated words.
public struct CaptionLengthStatistics: Codable, Equatable, Sendable {
    /// The shortest caption.
    public let min: Int
    /// The longest caption.
    public let max: Int
    /// The mean length.
    public let mean: Double
    /// The median length (the mean of the two middle values for an even count).
    public let median: Double

    /// Statistics of `lengths`; nil when empty.
    ///
    /// - Complexity: O(n log n) for the median.
    public init?(lengths: [Int]) {
        guard !lengths.isEmpty else { return nil }
        let sorted = lengths.sorted()
        min = sorted.first!
        max = sorted.last!
        mean = Double(sorted.reduce(0, +)) / Double(sorted.count)
        let middle = sorted.count / 2
        median = sorted.count % 2 == 1 ? Double(sorted[middle]) : Double(sorted[middle - 1] + sorted[middle]) / 2
    }
}

/// What `dataset inspect` reports about one split.
public struct SplitSummary: Codable, Equatable, Sendable {
    /// Valid images in the split.
    public let images: Int
    /// Valid captions of those images.
    public let captions: Int
    /// Caption lengths in words; nil for an empty split.
    public let captionWords: CaptionLengthStatistics?
    /// Images of this split skipped because their file is missing.
    public let missingImageFiles: Int
}

/// A dataset's overview: splits, absent splits and skipped records.
public struct DatasetSummary: Codable, Equatable, Sendable {
    /// The folder or file inspected.
    public let source: String
    /// The layout detected.
    public let format: DatasetFormat
    /// Statistics for every present split, by name.
    public let splits: [String: SplitSummary]
    /// Present split names in reporting order (standard splits first).
    public let splitOrder: [String]
    /// Standard splits with no images.
    public let absentSplits: [String]
    /// Why each absent split is absent.
    public let absentSplitReasons: [String: String]
    /// Valid images that no split names.
    public let unassignedImages: Int
    /// Skipped records and other problems, counted by kind.
    public let skipped: [String: Int]
    /// The first few problems, for the user to look at.
    public let examples: [DatasetIssue]
}

extension Dataset {
    /// Counts images, captions, caption lengths and problems per split.
    ///
    /// - Complexity: O(captions · words) plus a sort per split for the median.
    public func summary(exampleLimit: Int = 10) -> DatasetSummary {
        var perSplit: [String: SplitSummary] = [:]
        for split in presentSplits {
            let selected = images.filter { $0.split == split }
            let lengths = selected.flatMap { $0.captions.map { $0.text.split(whereSeparator: \.isWhitespace).count } }
            perSplit[split] = SplitSummary(
                images: selected.count, captions: lengths.count,
                captionWords: CaptionLengthStatistics(lengths: lengths),
                missingImageFiles: issues.filter { $0.kind == .missingImageFile && $0.split == split }.count)
        }
        var skipped: [String: Int] = [:]
        for issue in issues { skipped[issue.kind.rawValue, default: 0] += 1 }
        let absent = absentSplits
        return DatasetSummary(
            source: source.path, format: format, splits: perSplit, splitOrder: presentSplits,
            absentSplits: absent,
            absentSplitReasons: absentSplitReasons.filter { absent.contains($0.key) },
            unassignedImages: images.filter { $0.split == nil }.count,
            skipped: skipped, examples: Array(issues.prefix(exampleLimit)))
    }
}
