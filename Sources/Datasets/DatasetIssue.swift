/// A record a loader skipped, or another problem it found, and why.
public struct DatasetIssue: Equatable, Sendable, Codable {
    /// The kinds of problem a loader reports.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// An image whose file does not exist; the image and its captions are skipped.
        case missingImageFile = "missing-image-file"
        /// A caption that is empty after trimming; the caption is skipped.
        case emptyCaption = "empty-caption"
        /// An id seen twice (a caption number, an image, a split-file line); the later one is skipped.
        case duplicateID = "duplicate-id"
        /// A split file names an image that has no captions; the line is skipped.
        case unknownImageInSplit = "unknown-image-in-split"
        /// An image is assigned to two splits; the first assignment is kept.
        case imageInSeveralSplits = "image-in-several-splits"
        /// A line or record that cannot be parsed; it is skipped.
        case malformedRecord = "malformed-record"
        /// A tar shard whose headers fail a check (cut short, a wrong checksum, a size beyond the file); the
        /// samples before the damage are kept, the rest skipped.
        case damagedArchive = "damaged-archive"
    }

    /// What kind of problem this is.
    public let kind: Kind
    /// Where and what, for the user: the file, the line or id, and the detail.
    public let detail: String
    /// The split concerned, when known.
    public let split: String?

    /// Creates an issue.
    public init(_ kind: Kind, _ detail: String, split: String? = nil) {
        self.kind = kind
        self.detail = detail
        self.split = split
    }
}
