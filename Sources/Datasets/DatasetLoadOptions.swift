/// How strictly a dataset is loaded.
public struct DatasetLoadOptions: Sendable {
    /// Make any skipped record an error instead of a reported skip.
    public var strict: Bool
    /// Check that every image file exists (a stat per image).
    public var checkImageFiles: Bool
    /// JSON Lines: the fields whose values make a record's text, joined by ". " in this order (a news
    /// headline and its tags: `["text", "tags"]`). The first is required; the others are added when present.
    public var textFields: [String]

    /// Creates options; the defaults skip bad records, check image files and read `"text"` alone.
    public init(strict: Bool = false, checkImageFiles: Bool = true, textFields: [String] = ["text"]) {
        self.strict = strict
        self.checkImageFiles = checkImageFiles
        self.textFields = textFields.isEmpty ? ["text"] : textFields
    }
}
