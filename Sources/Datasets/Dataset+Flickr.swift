import Foundation

extension Dataset {
    static let flickrImageFolders = ["images", "Flicker8k_Dataset", "Flickr8k_Dataset", "flickr30k-images", "flickr30k_images", "Images"]

    /// Loads the Flickr8k/Flickr30k distribution layout.
    ///
    /// Captions come from lines `<image>#<n><TAB><caption>`; splits from `Flickr_8k.<split>Images.txt`
    /// (or `Flickr_30k.…`, `<split>Images.txt`, `<split>.txt`), one image id per line. `val` is read as `dev`.
    static func loadFlickr(folder: URL, tokenFile: URL, options: DatasetLoadOptions) throws(DatasetError) -> Dataset {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        let imageFolder = flickrImageFolders.first(where: names.contains).map { folder.appendingPathComponent($0) } ?? folder
        var builder = DatasetBuilder()
        let origin = tokenFile.lastPathComponent
        for (lineIndex, line) in try readLines(tokenFile).enumerated() {
            if line.allSatisfy(\.isWhitespace) { continue }
            let location = "\(origin) line \(lineIndex + 1)"
            guard let tab = line.firstIndex(of: "\t") else {
                builder.report(DatasetIssue(.malformedRecord, "\(location): no TAB between id and caption"))
                continue
            }
            let key = line[..<tab].trimmingCharacters(in: .whitespaces)
            let caption = String(line[line.index(after: tab)...])
            guard let hash = key.lastIndex(of: "#"), let number = Int(key[key.index(after: hash)...]),
                hash > key.startIndex
            else {
                builder.report(DatasetIssue(.malformedRecord, "\(location): id '\(key)' is not <image>#<number>"))
                continue
            }
            let imageID = String(key[..<hash])
            builder.addCaption(
                imageID: imageID, file: imageFolder.appendingPathComponent(imageID), number: number,
                text: caption, origin: location)
        }
        var absent: [String: String] = [:]
        for split in standardSplits {
            guard let splitName = splitFileName(for: split, in: names) else {
                absent[split] = "no split file (looked for \(splitFileCandidates(for: split).prefix(2).joined(separator: " or ")))"
                continue
            }
            for (lineIndex, line) in try readLines(folder.appendingPathComponent(splitName)).enumerated() {
                let imageID = line.trimmingCharacters(in: .whitespaces)
                if imageID.isEmpty { continue }
                builder.assign(imageID: imageID, to: split, origin: "\(splitName) line \(lineIndex + 1)")
            }
        }
        return try builder.build(source: folder, format: .flickr, options: options, absentSplitReasons: absent)
    }

    static func splitFileCandidates(for split: String) -> [String] {
        let aliases = split == "dev" ? ["dev", "val"] : [split]
        return aliases.flatMap { name in
            ["Flickr_8k.\(name)Images.txt", "Flickr_30k.\(name)Images.txt", "\(name)Images.txt", "\(name).txt"]
        }
    }

    static func splitFileName(for split: String, in names: [String]) -> String? {
        splitFileCandidates(for: split).first(where: names.contains)
    }
}
