import Foundation
import SafeFiles

#if canImport(Glibc)
import Glibc
#endif

/// The JPEG and PNG files under a folder, found recursively, for a gallery of a user's own photos.
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
    /// What could not be read: path and reason.
    public let skipped: [(path: String, reason: String)]

    /// File name endings taken as photos (compared without case).
    public static let extensions: Set<String> = ["jpg", "jpeg", "png"]
    /// Folders deeper than this are not entered (a guard against pathological trees).
    public static let maximumDepth = 64

    /// Whether `url` names a photo by its ending.
    public static func isPhoto(_ url: URL) -> Bool { extensions.contains(url.pathExtension.lowercased()) }

    /// Scans `root` recursively, never entering the folders in `skipping` (a gallery kept inside its photos).
    ///
    /// - Complexity: O(entries under `root`).
    public init(scanning root: URL, skipping: [URL] = []) throws {
        let root = root.standardizedFileURL
        var status = stat()
        guard stat(root.path, &status) == 0 else {
            throw PipelineError("\(root.path): \(String(cString: strerror(errno))); give a folder of JPEG or PNG photos")
        }
        guard (status.st_mode & S_IFMT) == S_IFDIR else { throw PipelineError("\(root.path) is not a folder") }
        var photos: [Photo] = []
        var skipped: [(String, String)] = []
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
                skipped.append((folder.path, "cannot list the folder (\(error.localizedDescription))"))
                continue
            }
            var subfolders: [(URL, String, Int)] = []
            for name in names where !name.hasPrefix(".") {
                let url = folder.appendingPathComponent(name)
                var entry = stat()
                guard stat(url.path, &entry) == 0 else {
                    skipped.append((url.path, String(cString: strerror(errno))))  // a dangling link, or no permission
                    continue
                }
                switch entry.st_mode & S_IFMT {
                case S_IFDIR:
                    guard depth + 1 <= Self.maximumDepth else {
                        skipped.append((url.path, "deeper than \(Self.maximumDepth) folders"))
                        continue
                    }
                    guard visited.insert([UInt64(entry.st_dev), UInt64(entry.st_ino)]).inserted else { continue }  // a link loop
                    subfolders.append((url, prefix + name + "/", depth + 1))
                case S_IFREG:
                    if Self.isPhoto(url) { photos.append(Photo(id: prefix + name, url: url)) }
                default:
                    if Self.isPhoto(url) { skipped.append((url.path, "not a regular file")) }
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
        let text: String
        do {
            text = String(decoding: try RegularFile.read(url, maxBytes: maximumBytes), as: UTF8.self)
        } catch {
            throw PipelineError(error.message)
        }
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
