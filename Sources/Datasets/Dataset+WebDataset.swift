import Foundation
import SafeFiles

extension Dataset {
    /// The image extensions a WebDataset sample's picture may have (what the image decoder reads).
    public static let webDatasetImageExtensions: Set<String> = ["jpg", "jpeg", "png", "webp", "gif", "heic", "heif", "avif"]
    /// The most bytes a sample's `.txt` or `.json` member may hold.
    public static let maximumTextMemberBytes = 1 << 20
    /// The most bytes a sample's image member may hold (as for an image file).
    public static let maximumImageMemberBytes = 256 << 20
    /// Folder names that give the shards inside them a split.
    static let splitFolders = ["train": "train", "dev": "dev", "val": "dev", "valid": "dev", "validation": "dev", "test": "test"]

    /// The tar shards of a WebDataset: `url` itself when it is a `.tar` file, else the `.tar` files in the
    /// folder and in its `train/`, `dev/` (or `val/`), `test/` folders, each with the split its folder names.
    static func webDatasetShards(_ url: URL) -> [(shard: URL, split: String?)] {
        if url.pathExtension.lowercased() == "tar" { return [(url, nil)] }
        func tars(in folder: URL) -> [URL] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            return names.filter { $0.lowercased().hasSuffix(".tar") && !$0.hasPrefix(".") }.sorted().map { folder.appendingPathComponent($0) }
        }
        var shards = tars(in: url).map { (shard: $0, split: String?.none) }
        for (name, split) in splitFolders.sorted(by: { $0.key < $1.key }) {
            shards += tars(in: url.appendingPathComponent(name)).map { ($0, split) }
        }
        return shards
    }

    /// Loads WebDataset tar shards as img2dataset writes them: consecutive members sharing a key (the member's
    /// path up to the first dot of its name) make a sample, `key.jpg` (or another image type) with its text in
    /// `key.txt` or in `key.json` (the ``DatasetLoadOptions/textFields``, else `"caption"`). The split is the
    /// JSON's `"split"`, else the folder the shard is in (`train/`, `dev/` or `val/`, `test/`), else none (only
    /// `--split all` selects it). The key is the image's id.
    ///
    /// Shards are read header by header and never unpacked; only the text members are read now, the images when
    /// they are embedded. A shard whose headers fail a check (cut short by a killed writer, a wrong checksum, a
    /// size beyond the file) keeps the samples before the damage and reports the rest as skipped.
    ///
    /// - Complexity: O(members) small reads.
    static func loadWebDataset(_ url: URL, options: DatasetLoadOptions) throws(DatasetError) -> Dataset {
        let shards = webDatasetShards(url)
        guard !shards.isEmpty else { throw DatasetError("\(url.path) holds no .tar shards") }
        var builder = DatasetBuilder()
        for (shard, folderSplit) in shards {
            let archive = try TarArchive(shard)
            let listing = archive.list()
            if let problem = listing.problem { builder.report(DatasetIssue(.damagedArchive, problem, split: folderSplit)) }
            var start = 0
            let members = listing.members
            while start < members.count {
                let key = Self.webDatasetKey(members[start].name).key
                var end = start + 1
                while end < members.count, Self.webDatasetKey(members[end].name).key == key { end += 1 }
                addWebDatasetSample(key: key, members: members[start..<end], archive: archive, folderSplit: folderSplit, options: options, into: &builder)
                start = end
            }
        }
        var absent: [String: String] = [:]
        for split in standardSplits {
            absent[split] = "no shard is in a \(split)/ folder of \(url.path) and no sample's .json has \"split\": \"\(split)\"; use --split all for every sample"
        }
        return try builder.build(source: url, format: .webDataset, options: options, absentSplitReasons: absent)
    }

    /// WebDataset's key and extension of a member name: `a/b/000123.seg.json` → (`a/b/000123`, `seg.json`).
    static func webDatasetKey(_ name: String) -> (key: String, extension: String) {
        let slash = name.lastIndex(of: "/").map { name.index(after: $0) } ?? name.startIndex
        guard let dot = name[slash...].firstIndex(of: ".") else { return (name, "") }
        return (String(name[..<dot]), name[name.index(after: dot)...].lowercased())
    }

    private static func addWebDatasetSample(
        key: String, members: ArraySlice<TarMember>, archive: TarArchive, folderSplit: String?, options: DatasetLoadOptions,
        into builder: inout DatasetBuilder
    ) {
        let shardName = archive.url.lastPathComponent
        let origin = "\(shardName) sample \(key)"
        if builder.hasImage(key) {
            builder.report(DatasetIssue(.duplicateID, "\(origin): the key appears twice (samples must be consecutive and unique)", split: folderSplit))
            return
        }
        let byExtension = Dictionary(members.map { (webDatasetKey($0.name).extension, $0) }, uniquingKeysWith: { first, _ in first })
        if byExtension.count < members.count {
            // Two samples under one key, back to back (a writer that repeated a key): the first members are kept.
            builder.report(DatasetIssue(.duplicateID, "\(origin): the key appears twice (its members repeat); the first of each is kept", split: folderSplit))
        }
        guard let image = members.first(where: { webDatasetImageExtensions.contains(webDatasetKey($0.name).extension) }) else {
            let names = members.map(\.name).joined(separator: ", ")
            builder.report(DatasetIssue(.malformedRecord, "\(origin): no image member (.jpg, .png, .webp, …) among \(names.prefix(200))", split: folderSplit))
            return
        }
        guard image.size <= maximumImageMemberBytes else {
            builder.report(DatasetIssue(.malformedRecord, "\(origin): \(image.name) holds \(image.size) bytes, over the \(maximumImageMemberBytes) an image may", split: folderSplit))
            return
        }
        var text: String? = nil
        var split = folderSplit
        func read(_ member: TarMember) -> Data? {
            do {
                return try archive.read(member, maxBytes: maximumTextMemberBytes)
            } catch {
                builder.report(DatasetIssue(.malformedRecord, "\(origin): \(member.name) \(error.problem)", split: split))
                return nil
            }
        }
        if let json = byExtension["json"] {
            guard let data = read(json) else { return }
            guard let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] else {
                builder.report(DatasetIssue(.malformedRecord, "\(origin): \(json.name) is not a JSON object", split: folderSplit))
                return
            }
            let fields = options.textFields == ["text"] && object["text"] == nil ? ["caption"] : options.textFields
            if let first = textValue(object[fields[0]]) {
                text = ([first] + fields.dropFirst().compactMap { textValue(object[$0]) }).filter { !$0.isEmpty }.joined(separator: ". ")
            }
            if let named = object["split"] as? String, !named.isEmpty { split = named == "val" ? "dev" : named }
        }
        if let txt = byExtension["txt"] {
            guard let data = read(txt) else { return }
            guard let words = String(data: data, encoding: .utf8) else {
                builder.report(DatasetIssue(.malformedRecord, "\(origin): \(txt.name) is not UTF-8 text", split: split))
                return
            }
            text = words
        }
        guard let text else {
            builder.report(DatasetIssue(.malformedRecord, "\(origin): no caption (a .txt member, or a .json with \"\(options.textFields[0] == "text" ? "caption" : options.textFields[0])\")", split: split))
            return
        }
        builder.addCaption(imageID: key, file: archive.url, member: image, number: nil, text: text, origin: origin, split: split)
        if let split, builder.hasImage(key) { builder.assign(imageID: key, to: split, origin: origin) }
    }
}
