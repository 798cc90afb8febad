import Foundation

extension Dataset {
    /// Several datasets as one JSON Lines file, to train on them together: one
    /// `{"image", "text", "split", "id"}` line per caption of every image that has a split.
    ///
    /// Image paths are written relative to `folder` (where the file will live), so the file moves with
    /// its datasets; record ids are `<name>/<caption id>`, so captions of different sources never clash.
    /// Each source keeps its splits: the merged `dev` is every source's `dev`.
    ///
    /// - Parameter sources: a short name and a dataset each; names must differ.
    /// - Throws: ``DatasetError`` when two sources share a name or when nothing has a split.
    /// - Complexity: O(captions).
    public static func mergedJSONLines(_ sources: [(name: String, dataset: Dataset)], relativeTo folder: URL) throws(DatasetError) -> (
        data: Data, counts: [String: [String: Int]]
    ) {
        var names: Set<String> = []
        for source in sources where !names.insert(source.name).inserted {
            throw DatasetError("two datasets are named \(source.name); give datasets whose folders (or files) have different names")
        }
        let base = folder.standardizedFileURL.pathComponents
        var lines: [String] = []
        var counts: [String: [String: Int]] = [:]
        for (name, dataset) in sources {
            for image in dataset.images {
                guard let split = image.split else { continue }
                if image.member != nil {
                    throw DatasetError("\(dataset.source.path) is a WebDataset: a merged JSON Lines file names image files, and its images are members of tar shards; unpack the shards (tar -x) and merge the folder instead")
                }
                let path = relativePath(from: base, to: image.file.standardizedFileURL.pathComponents)
                for caption in image.captions {
                    let record: [String: String] = ["image": path, "text": caption.text, "split": split, "id": "\(name)/\(image.captionID(caption))"]
                    guard let line = try? JSONSerialization.data(withJSONObject: record, options: [.sortedKeys, .withoutEscapingSlashes]) else {
                        throw DatasetError("\(dataset.source.path): a caption of \(image.id) cannot be written as JSON")
                    }
                    lines.append(String(decoding: line, as: UTF8.self))
                }
                counts[name, default: [:]][split, default: 0] += image.captions.count
            }
        }
        guard !lines.isEmpty else { throw DatasetError("none of the datasets has an image in a split: nothing to merge") }
        return (Data((lines.joined(separator: "\n") + "\n").utf8), counts)
    }

    /// The path of `target` relative to the folder `base` (both as absolute path components).
    static func relativePath(from base: [String], to target: [String]) -> String {
        var common = 0
        while common < base.count, common < target.count - 1, base[common] == target[common] { common += 1 }
        let ups = Array(repeating: "..", count: base.count - common)
        return (ups + target[common...]).joined(separator: "/")
    }
}
