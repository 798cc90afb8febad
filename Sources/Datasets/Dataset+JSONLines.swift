import Foundation

extension Dataset {
    /// Loads a JSON Lines file of `{"image": "photos/a.jpg", "text": "…", "split": "train"}` pairs (the
    /// text may gather several fields: ``DatasetLoadOptions/textFields``).
    ///
    /// The image path is relative to the file's folder (or absolute) and is the image's id. An image may
    /// appear on many lines, one per text; its captions are numbered in order of appearance. An
    /// optional `"id"` names a record; a repeated one, or a repeated identical pair, is a duplicate.
    static func loadJSONLines(_ file: URL, options: DatasetLoadOptions) throws(DatasetError) -> Dataset {
        let folder = file.deletingLastPathComponent()
        let origin = file.lastPathComponent
        var builder = DatasetBuilder()
        var recordIDs: Set<String> = []
        for (lineIndex, line) in try readLines(file).enumerated() {
            if line.allSatisfy(\.isWhitespace) { continue }
            let location = "\(origin) line \(lineIndex + 1)"
            guard let object = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else {
                builder.report(DatasetIssue(.malformedRecord, "\(location): not a JSON object"))
                continue
            }
            guard let image = object["image"] as? String, !image.isEmpty else {
                builder.report(DatasetIssue(.malformedRecord, "\(location): missing \"image\" (a path)"))
                continue
            }
            let required = options.textFields[0]
            guard let first = Self.textValue(object[required]) else {
                builder.report(DatasetIssue(.malformedRecord, "\(location): missing \"\(required)\""))
                continue
            }
            let text = ([first] + options.textFields.dropFirst().compactMap { Self.textValue(object[$0]) })
                .filter { !$0.isEmpty }.joined(separator: ". ")
            guard let split = (object["split"] as? String).map({ $0 == "val" ? "dev" : $0 }), !split.isEmpty else {
                builder.report(DatasetIssue(.malformedRecord, "\(location): missing \"split\""))
                continue
            }
            if let id = object["id"].map({ "\($0)" }) {
                guard recordIDs.insert(id).inserted else {
                    builder.report(DatasetIssue(.duplicateID, "\(location): record id \(id) appears twice", split: split))
                    continue
                }
            } else if builder.hasCaption(imageID: image, text: text) {
                builder.report(DatasetIssue(.duplicateID, "\(location): the same pair appears twice", split: split))
                continue
            }
            let imageFile = image.hasPrefix("/") ? URL(fileURLWithPath: image) : folder.appendingPathComponent(image)
            builder.addCaption(imageID: image, file: imageFile, number: nil, text: text, origin: location, split: split)
            if builder.hasImage(image) {
                builder.assign(imageID: image, to: split, origin: location, repeatsAreDuplicates: false)
            }
        }
        var absent: [String: String] = [:]
        for split in standardSplits { absent[split] = "no record of \(origin) has \"split\": \"\(split)\"" }
        return try builder.build(source: file, format: .jsonLines, options: options, absentSplitReasons: absent)
    }

    /// A field's text: a string, or strings in an array joined by "; " (numbers and other values are not text).
    static func textValue(_ value: Any?) -> String? {
        if let string = value as? String { return string.trimmingCharacters(in: .whitespacesAndNewlines) }
        if let strings = value as? [String] { return strings.joined(separator: "; ") }
        return nil
    }
}
