/// A file or folder a gallery build or addition did not take, and why.
public struct SkippedFile: Sendable, Equatable {
    /// The file or folder.
    public var path: String
    /// A short label shared by files skipped for the same reason, for counts: "HEIC (not read yet)",
    /// "unreadable".
    public var category: String
    /// The reason in full, naming what is wrong with this file.
    public var reason: String

    /// How many files each category holds, the largest first (ties by label): `[("HEIC (not read yet)", 600), …]`.
    /// - Complexity: O(n log n) in the number of files.
    public static func counts(_ files: [SkippedFile]) -> [(category: String, count: Int)] {
        var counts: [String: Int] = [:]
        for file in files { counts[file.category, default: 0] += 1 }
        return counts.map { ($0.key, $0.value) }.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
    }

    /// The counts in words: "600 HEIC (not read yet), 3 unreadable".
    public static func summary(_ files: [SkippedFile]) -> String {
        counts(files).map { "\(grouped($0.count)) \($0.category)" }.joined(separator: ", ")
    }
}

/// Photos were offered and none could be taken: every file was skipped.
public struct NothingIndexed: Error, CustomStringConvertible, Sendable {
    /// Where the photos came from.
    public let source: String
    /// What was skipped.
    public let skipped: [SkippedFile]

    /// Creates the error.
    public init(source: String, skipped: [SkippedFile]) {
        self.source = source
        self.skipped = skipped
    }

    /// The counts by reason, and the first reason in full of each kind.
    public var description: String {
        var firsts: [String: String] = [:]
        for file in skipped where firsts[file.category] == nil { firsts[file.category] = "\(file.path): \(file.reason)" }
        let examples = SkippedFile.counts(skipped).compactMap { firsts[$0.category] }.prefix(5).map { "\n  e.g. \($0)" }.joined()
        return "no photo from \(source) could be indexed; skipped \(SkippedFile.summary(skipped))\(examples)"
    }
}
