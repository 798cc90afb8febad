import Foundation

/// Collects images, captions and split assignments from any layout, recording every skipped record.
struct DatasetBuilder {
    private var order: [String] = []
    private var files: [String: URL] = [:]
    private var members: [String: TarMember] = [:]
    private var captions: [String: [DatasetCaption]] = [:]
    private var splits: [String: String] = [:]
    private var splitLines: Set<String> = []
    private(set) var issues: [DatasetIssue] = []

    mutating func report(_ issue: DatasetIssue) { issues.append(issue) }

    /// Adds one caption; `number` nil means "the next number for this image".
    mutating func addCaption(imageID: String, file: URL, member: TarMember? = nil, number: Int?, text: String, origin: String, split: String? = nil) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if files[imageID] == nil {
            order.append(imageID)
            files[imageID] = file
            members[imageID] = member
            captions[imageID] = []
        }
        guard !trimmed.isEmpty else {
            report(DatasetIssue(.emptyCaption, "\(origin): empty caption for \(imageID)", split: split))
            return
        }
        let existing = captions[imageID]!
        let resolvedNumber = number ?? ((existing.map(\.number).max() ?? -1) + 1)
        if existing.contains(where: { $0.number == resolvedNumber }) {
            report(DatasetIssue(.duplicateID, "\(origin): caption id \(imageID)#\(resolvedNumber) appears twice", split: split))
            return
        }
        captions[imageID]!.append(DatasetCaption(number: resolvedNumber, text: trimmed))
    }

    /// Whether an image with this id has been seen.
    func hasImage(_ imageID: String) -> Bool { files[imageID] != nil }

    /// Whether the image already has exactly this caption text.
    func hasCaption(imageID: String, text: String) -> Bool {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return captions[imageID]?.contains { $0.text == trimmed } ?? false
    }

    /// Puts an image in a split; a second, different split is reported and ignored, and so is a
    /// repeat of the same split when `repeatsAreDuplicates` (a split file listing an image twice).
    mutating func assign(imageID: String, to split: String, origin: String, repeatsAreDuplicates: Bool = true) {
        guard files[imageID] != nil else {
            report(DatasetIssue(.unknownImageInSplit, "\(origin): \(imageID) has no captions in the dataset", split: split))
            return
        }
        if let current = splits[imageID] {
            if current == split {
                if !splitLines.insert("\(split)\u{0}\(imageID)").inserted, repeatsAreDuplicates {
                    report(DatasetIssue(.duplicateID, "\(origin): \(imageID) is listed twice", split: split))
                }
            } else {
                report(DatasetIssue(.imageInSeveralSplits, "\(origin): \(imageID) is already in split '\(current)'", split: split))
            }
            return
        }
        splits[imageID] = split
        splitLines.insert("\(split)\u{0}\(imageID)")
    }

    /// Checks image files and assembles the dataset; under `strict`, any issue is an error.
    func build(
        source: URL, format: DatasetFormat, options: DatasetLoadOptions, absentSplitReasons: [String: String]
    ) throws(DatasetError) -> Dataset {
        var issues = self.issues
        var images: [DatasetImage] = []
        images.reserveCapacity(order.count)
        for id in order {
            let file = files[id]!
            let split = splits[id]
            if options.checkImageFiles, !FileManager.default.fileExists(atPath: file.path) {
                issues.append(DatasetIssue(.missingImageFile, "\(id): no file at \(file.path)", split: split))
                continue
            }
            let imageCaptions = captions[id]!
            // An image whose every caption was skipped has already been reported through them.
            guard !imageCaptions.isEmpty else { continue }
            images.append(DatasetImage(id: id, file: file, member: members[id], split: split, captions: imageCaptions))
        }
        if options.strict, !issues.isEmpty {
            throw DatasetError(Self.strictMessage(issues, source: source))
        }
        return Dataset(
            source: source, format: format, images: images, issues: issues,
            absentSplitReasons: absentSplitReasons)
    }

    static func strictMessage(_ issues: [DatasetIssue], source: URL) -> String {
        var counts: [DatasetIssue.Kind: Int] = [:]
        for issue in issues { counts[issue.kind, default: 0] += 1 }
        let summary = DatasetIssue.Kind.allCases.compactMap { kind in
            counts[kind].map { "\($0) \(kind.rawValue)" }
        }.joined(separator: ", ")
        let examples = issues.prefix(5).map { "  - \($0.kind.rawValue): \($0.detail)" }.joined(separator: "\n")
        return "\(source.path) has \(issues.count) bad record(s) (\(summary)); --strict makes them errors:\n\(examples)"
            + (issues.count > 5 ? "\n  - …" : "")
    }
}
