/// How strictly a dataset is loaded.
public struct DatasetLoadOptions: Sendable {
    /// Make any skipped record an error instead of a reported skip.
    public var strict: Bool
    /// Check that every image file exists (a stat per image).
    public var checkImageFiles: Bool

    /// Creates options; the defaults skip bad records and check image files.
    public init(strict: Bool = false, checkImageFiles: Bool = true) {
        self.strict = strict
        self.checkImageFiles = checkImageFiles
    }
}
