import Foundation
import SafeFiles

extension Dataset {
    /// Loads a dataset from a folder or file, detecting its layout.
    ///
    /// - A folder with `Flickr8k.token.txt`, `results_20130124.token` or another `*.token*` file: the
    ///   Flickr distribution layout.
    /// - A `dataset_*.json` file, or a folder holding exactly one: Karpathy's layout.
    /// - A `.jsonl` file, or a folder holding exactly one: JSON Lines pairs.
    /// - A `.tar` file, or a folder of them (directly or in `train/`, `dev/`, `test/`): WebDataset shards.
    ///
    /// - Throws: ``DatasetError`` when the layout is unknown or unreadable, or under `strict` when
    ///   any record is bad.
    public static func load(from url: URL, options: DatasetLoadOptions = .init()) throws(DatasetError) -> Dataset {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
            throw DatasetError("no dataset at \(url.path): the path does not exist")
        }
        if !isDirectory.boolValue {
            switch url.pathExtension.lowercased() {
            case "jsonl": return try loadJSONLines(url, options: options)
            case "json": return try loadKarpathy(url, options: options)
            case "tar": return try loadWebDataset(url, options: options)
            default:
                if url.lastPathComponent.contains(".token") {
                    return try loadFlickr(folder: url.deletingLastPathComponent(), tokenFile: url, options: options)
                }
                throw DatasetError("\(url.path): unknown dataset file; expected a folder, a Karpathy dataset_*.json, a .jsonl file or a WebDataset .tar shard")
            }
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: url.path).sorted()
        } catch {
            throw DatasetError("cannot list \(url.path): \(error.localizedDescription)")
        }
        if let token = flickrTokenFileNames.first(where: names.contains)
            ?? names.first(where: { $0.contains(".token") && !$0.hasPrefix(".") && !$0.contains("lemma") })
        {
            return try loadFlickr(folder: url, tokenFile: url.appendingPathComponent(token), options: options)
        }
        let karpathy = names.filter { $0.hasPrefix("dataset_") && $0.hasSuffix(".json") }
        if karpathy.count == 1 { return try loadKarpathy(url.appendingPathComponent(karpathy[0]), options: options) }
        let jsonLines = names.filter { $0.hasSuffix(".jsonl") }
        if jsonLines.count == 1 { return try loadJSONLines(url.appendingPathComponent(jsonLines[0]), options: options) }
        if !webDatasetShards(url).isEmpty { return try loadWebDataset(url, options: options) }
        if karpathy.count > 1 || jsonLines.count > 1 {
            throw DatasetError("\(url.path) holds several dataset files (\((karpathy + jsonLines).joined(separator: ", "))); name one of them instead of the folder")
        }
        throw DatasetError(
            "\(url.path) is not a dataset folder: expected Flickr8k.token.txt (or results_20130124.token), a Karpathy dataset_*.json, a .jsonl file of {\"image\", \"text\", \"split\"} pairs, or WebDataset .tar shards")
    }

    /// Whether `url` is something ``load(from:options:)`` reads: a file, or a folder holding a Flickr token
    /// file, a Karpathy `dataset_*.json` or a `.jsonl` file. A folder of photos alone is not.
    public static func isDataset(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else { return false }
        guard isDirectory.boolValue else { return true }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []
        return names.contains { name in
            flickrTokenFileNames.contains(name) || (name.contains(".token") && !name.hasPrefix(".") && !name.contains("lemma"))
                || (name.hasPrefix("dataset_") && name.hasSuffix(".json")) || name.hasSuffix(".jsonl")
        } || !webDatasetShards(url).isEmpty
    }

    static let flickrTokenFileNames = ["Flickr8k.token.txt", "results_20130124.token", "results.token"]

    /// The largest dataset file read (a caption or split file, a Karpathy JSON, a JSON Lines file).
    static let maximumFileBytes = 2 << 30

    /// The bytes of a dataset file: a regular file of at most ``maximumFileBytes``.
    static func readFile(_ url: URL) throws(DatasetError) -> Data {
        try RegularFile.read(url, maxBytes: maximumFileBytes, orThrow: DatasetError.init)
    }

    /// The lines of a text file, UTF-8 or else Latin-1, without line terminators.
    static func readLines(_ url: URL) throws(DatasetError) -> [Substring] {
        let data = try readFile(url)
        guard let text = String(data: data, encoding: .utf8) ?? String(data: data, encoding: .isoLatin1) else {
            throw DatasetError("\(url.path) is not text")
        }
        return text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
    }
}
