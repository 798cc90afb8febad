import Foundation
import SafeFiles

#if canImport(Glibc)
import Glibc
#endif

/// The JPEG, PNG, WebP, GIF, HEIC/HEIF and AVIF files under a folder, found recursively, for a gallery of a user's own photos.
///
/// Ids are paths relative to the folder (`2024/beach/IMG_0001.jpg`). Symbolic links are followed, but a
/// folder already visited (the same device and inode) is not entered again, so a link loop ends. A
/// folder or file that cannot be listed is reported by name and skipped.
public struct PhotoFolder: Sendable {
    /// One photo: its id and file.
    public struct Photo: Sendable, Equatable {
        /// The path relative to the scanned folder, with `/` between components.
        public var id: String
        /// The file.
        public var url: URL
    }

    /// The scanned folder.
    public let root: URL
    /// The photos, sorted by id.
    public let photos: [Photo]
    /// What could not be read, and photos in formats not read yet.
    public let skipped: [SkippedFile]

    /// File name endings taken as photos (compared without case).
    public static let extensions: Set<String> = ["jpg", "jpeg", "png", "webp", "gif", "heic", "heif", "hif", "avif"]
    /// Folders deeper than this are not entered (a guard against pathological trees).
    public static let maximumDepth = 64

    /// Photo formats recognised by their ending but not read yet, with their names: cameras and phones
    /// make them, so a folder of them is reported, not passed over in silence.
    public static let unreadFormats: [String: String] = [
        "tif": "TIFF", "tiff": "TIFF",
        "bmp": "BMP", "dng": "raw", "cr2": "raw", "cr3": "raw", "nef": "raw", "arw": "raw", "raf": "raw", "orf": "raw", "rw2": "raw",
    ]

    /// Whether `url` names a photo by its ending.
    public static func isPhoto(_ url: URL) -> Bool { extensions.contains(url.pathExtension.lowercased()) }

    /// The skip record of a photo in a format not read yet, or nil for any other file.
    static func unreadFormat(_ url: URL) -> SkippedFile? {
        guard let format = unreadFormats[url.pathExtension.lowercased()] else { return nil }
        return SkippedFile(
            path: url.path, category: "\(format) (not read yet)",
            reason: "\(format) photos are not read yet; convert them to JPEG")
    }

    /// Scans `root` recursively, never entering the folders in `skipping` (a gallery kept inside its photos).
    ///
    /// - Complexity: O(entries under `root`).
    public init(scanning root: URL, skipping: [URL] = []) throws {
        let root = root.standardizedFileURL
        var status = stat()
        guard stat(root.path, &status) == 0 else {
            throw PipelineError("\(root.path): \(String(cString: strerror(errno))); give a folder of photos")
        }
        guard (status.st_mode & S_IFMT) == S_IFDIR else { throw PipelineError("\(root.path) is not a folder") }
        var photos: [Photo] = []
        var skipped: [SkippedFile] = []
        var visited: Set<[UInt64]> = [[UInt64(status.st_dev), UInt64(status.st_ino)]]
        // Folders never to enter (a gallery's own folder inside the photos): marked as visited already.
        for folder in skipping {
            var entry = stat()
            if stat(folder.path, &entry) == 0 { visited.insert([UInt64(entry.st_dev), UInt64(entry.st_ino)]) }
        }
        // Depth-first with an explicit stack: (folder, its id prefix, depth).
        var pending: [(URL, String, Int)] = [(root, "", 0)]
        while let (folder, prefix, depth) = pending.popLast() {
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
            } catch {
                skipped.append(SkippedFile(path: folder.path, category: "folders that cannot be listed", reason: "cannot list the folder (\(error.localizedDescription))"))
                continue
            }
            var subfolders: [(URL, String, Int)] = []
            for name in names where !name.hasPrefix(".") {
                let url = folder.appendingPathComponent(name)
                var entry = stat()
                guard stat(url.path, &entry) == 0 else {
                    // A dangling link, or no permission.
                    skipped.append(SkippedFile(path: url.path, category: "cannot be read", reason: String(cString: strerror(errno))))
                    continue
                }
                switch entry.st_mode & S_IFMT {
                case S_IFDIR:
                    guard depth + 1 <= Self.maximumDepth else {
                        skipped.append(SkippedFile(path: url.path, category: "too deep", reason: "deeper than \(Self.maximumDepth) folders"))
                        continue
                    }
                    guard visited.insert([UInt64(entry.st_dev), UInt64(entry.st_ino)]).inserted else { continue }  // a link loop
                    subfolders.append((url, prefix + name + "/", depth + 1))
                case S_IFREG:
                    if Self.isPhoto(url) {
                        photos.append(Photo(id: prefix + name, url: url))
                    } else if let unread = Self.unreadFormat(url) {
                        skipped.append(unread)
                    }
                default:
                    if Self.isPhoto(url) { skipped.append(SkippedFile(path: url.path, category: "not regular files", reason: "not a regular file")) }
                }
            }
            pending.append(contentsOf: subfolders.reversed())
        }
        self.root = root
        self.photos = photos.sorted { $0.id < $1.id }
        self.skipped = skipped
    }
}

/// Captions for photos, read from a text file of `id<TAB>caption` lines (an id may have several lines;
/// blank lines and lines starting with `#` are ignored).
public enum PhotoCaptions {
    /// The largest caption file read.
    public static let maximumBytes = 256 << 20

    /// Reads the file into id → captions.
    public static func read(_ url: URL) throws -> [String: [String]] {
        let text = String(decoding: try RegularFile.read(url, maxBytes: maximumBytes, orThrow: PipelineError.init), as: UTF8.self)
        var captions: [String: [String]] = [:]
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingCharacters(in: CharacterSet(charactersIn: "\r"))
            guard !trimmed.trimmingCharacters(in: .whitespaces).isEmpty, !trimmed.hasPrefix("#") else { continue }
            guard let tab = trimmed.firstIndex(of: "\t") else {
                throw PipelineError("\(url.path), line \(number + 1): expected `id<TAB>caption`")
            }
            let id = String(trimmed[..<tab])
            let caption = trimmed[trimmed.index(after: tab)...].trimmingCharacters(in: .whitespaces)
            guard !id.isEmpty, !caption.isEmpty else { throw PipelineError("\(url.path), line \(number + 1): an empty id or caption") }
            captions[id, default: []].append(caption)
        }
        return captions
    }
}
