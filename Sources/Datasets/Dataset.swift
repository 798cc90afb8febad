import Foundation
import SafeFiles

/// One caption of an image, numbered as in the source (`<image>#<number>`).
public struct DatasetCaption: Equatable, Sendable {
    /// The caption's number among its image's captions in the source.
    public let number: Int
    /// The caption text, trimmed of surrounding white space.
    public let text: String
}

/// One image of a dataset, with its captions and its split.
public struct DatasetImage: Equatable, Sendable {
    /// The image id, unique in the dataset (for Flickr, the file name such as `1000268201_693b08cb0e.jpg`).
    public let id: String
    /// The image file (for an image inside a WebDataset shard, the shard).
    public let file: URL
    /// Where the image lies inside ``file`` when that is a tar shard; nil for an image file of its own.
    public let member: TarMember?
    /// The split the image belongs to, or nil if no split file names it.
    public internal(set) var split: String?
    /// The image's captions in source order.
    public internal(set) var captions: [DatasetCaption]

    /// Creates an image record.
    public init(id: String, file: URL, member: TarMember? = nil, split: String?, captions: [DatasetCaption]) {
        self.id = id
        self.file = file
        self.member = member
        self.split = split
        self.captions = captions
    }

    /// Where the image's bytes are, for messages and catalogues: the file's path, or `<shard>#<member>`.
    public var location: String { member.map { "\(file.path)#\($0.name)" } ?? file.path }

    /// The image's bytes: the whole file, or its member of the shard (a regular file only; at most `maxBytes`,
    /// checked before reading).
    public func bytes(maxBytes: Int) throws(FileReadError) -> Data {
        guard let member else { return try RegularFile.read(file, maxBytes: maxBytes) }
        // The ranged read checks the cap before allocating; its errors are renamed after the member.
        do {
            return try RegularFile.read(file, offset: member.offset, count: member.size, maxBytes: maxBytes)
        } catch {
            throw FileReadError(path: location, reason: error.reason)
        }
    }

    /// The id of caption `caption`: `<image id>#<number>`.
    public func captionID(_ caption: DatasetCaption) -> String { "\(id)#\(caption.number)" }
}

/// A caption together with the image it belongs to, as a flat list for encoders and metrics.
public struct CaptionRecord: Equatable, Sendable {
    /// `<image id>#<number>`.
    public let id: String
    /// The id of the image the caption describes.
    public let imageID: String
    /// The index of that image in the split's image list.
    public let imageIndex: Int
    /// The caption text.
    public let text: String
}

/// The layouts crossmodal reads datasets from.
public enum DatasetFormat: String, Codable, Sendable {
    /// The Flickr8k/Flickr30k distribution: a `.token` caption file, split files and an image folder.
    case flickr
    /// Karpathy's `dataset_flickr8k.json`, `dataset_flickr30k.json` or `dataset_coco.json`.
    case karpathy
    /// A JSON Lines file of `{"image": …, "text": …, "split": …}` pairs.
    case jsonLines = "jsonl"
    /// WebDataset tar shards (`key.jpg` beside `key.txt` or `key.json`), as img2dataset writes them.
    case webDataset = "webdataset"
}

/// An image–caption dataset: images with captions, assigned to splits.
///
/// Loaders keep only valid records; whatever they skipped is listed in ``issues``.
public struct Dataset: Sendable {
    /// The standard split names, in reporting order.
    public static let standardSplits = ["train", "dev", "test"]

    /// The folder or file the dataset was loaded from.
    public let source: URL
    /// The layout it was read from.
    public let format: DatasetFormat
    /// Every valid image, in source order.
    public let images: [DatasetImage]
    /// The skipped records and other problems found while loading.
    public let issues: [DatasetIssue]
    /// Why each standard split is absent (for example, which split file is missing), by split name.
    public let absentSplitReasons: [String: String]

    /// Creates a dataset.
    public init(
        source: URL, format: DatasetFormat, images: [DatasetImage], issues: [DatasetIssue],
        absentSplitReasons: [String: String]
    ) {
        self.source = source
        self.format = format
        self.images = images
        self.issues = issues
        self.absentSplitReasons = absentSplitReasons
    }

    /// The splits that have at least one image: standard splits first, then others by name.
    public var presentSplits: [String] {
        let names = Set(images.compactMap(\.split))
        return Self.standardSplits.filter(names.contains) + names.subtracting(Self.standardSplits).sorted()
    }

    /// The standard splits with no images, in reporting order.
    public var absentSplits: [String] {
        let present = Set(presentSplits)
        return Self.standardSplits.filter { !present.contains($0) }
    }

    /// The name that selects every image, whatever its split (and those in none).
    public static let allSplits = "all"

    /// The images of `split` (or every image for ``allSplits``), in source order.
    ///
    /// - Throws: ``DatasetError`` when the split has no images, saying why.
    public func images(in split: String) throws(DatasetError) -> [DatasetImage] {
        let selected = split == Self.allSplits ? images : images.filter { $0.split == split }
        guard !selected.isEmpty else {
            let reason = absentSplitReasons[split] ?? "no image is assigned to it"
            let present = presentSplits.isEmpty ? "none" : presentSplits.joined(separator: ", ")
            throw DatasetError("split '\(split)' is absent from \(source.path): \(reason). Present splits: \(present)")
        }
        return selected
    }

    /// The captions of `split` as a flat list, image by image.
    public func captions(in split: String) throws(DatasetError) -> [CaptionRecord] {
        let selected = try images(in: split)
        return selected.enumerated().flatMap { index, image in
            image.captions.map {
                CaptionRecord(id: image.captionID($0), imageID: image.id, imageIndex: index, text: $0.text)
            }
        }
    }
}
