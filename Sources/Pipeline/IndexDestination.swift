import Foundation
import SafeFiles
import Search

/// The `--out` folder of `index build`: what it holds, whether a build may go there, and building so that
/// a failure leaves it as it was.
public enum IndexDestination {
    /// What a build would go into.
    public enum Existing {
        /// Nothing: the folder does not exist, or is empty.
        case nothing
        /// An index, with its manifest (nil when the manifest cannot be read).
        case index(IndexManifest?)
        /// A folder with files that are not an index.
        case otherFiles
    }

    /// What a build makes: a gallery of a dataset's split, or of a folder of photos.
    public struct Source: Equatable {
        /// The dataset, or the folder of photos (absolute, standardised).
        public var location: String
        /// The dataset's split (empty for photos).
        public var split: String
        /// The run folder (absolute, standardised).
        public var run: String
        /// Whether `location` is a folder of photos.
        public var isPhotoFolder: Bool

        /// Creates a source.
        public init(location: String, split: String, run: String, isPhotoFolder: Bool) {
            self.location = location
            self.split = split
            self.run = run
            self.isPhotoFolder = isPhotoFolder
        }

        /// The source a manifest records.
        public init(_ manifest: IndexManifest) {
            self.init(
                location: manifest.photoFolder ?? manifest.dataset, split: manifest.photoFolder == nil ? manifest.split : "", run: manifest.run,
                isPhotoFolder: manifest.photoFolder != nil)
        }

        /// In words: "the photos in P, with run R" or "the dev split of D, with run R".
        var description: String {
            (isPhotoFolder ? "the photos in \(location)" : "the \(split) split of \(location)") + ", made with \(run)"
        }
    }

    /// What `folder` holds.
    public static func inspect(_ folder: URL) -> Existing {
        let manager = FileManager.default
        if manager.fileExists(atPath: folder.appendingPathComponent(IndexManifest.fileName).path) {
            let data = try? RegularFile.read(folder.appendingPathComponent(IndexManifest.fileName), maxBytes: 1 << 20)
            return .index(data.flatMap { try? JSONDecoder().decode(IndexManifest.self, from: $0) })
        }
        guard let names = try? manager.contentsOfDirectory(atPath: folder.path) else { return .nothing }
        return names.isEmpty ? .nothing : .otherFiles
    }

    /// Whether a build of `source` may go into `folder`: a new or empty folder, or an index of the same
    /// source (rebuilt, or refreshed for photos), or with `replace` any index. A folder of other files is
    /// never written into, `replace` or not.
    ///
    /// - Returns: true when `folder` holds an index of the same source.
    /// - Throws: ``PipelineError`` saying what is there and what to do.
    public static func check(_ folder: URL, for source: Source, replace: Bool) throws -> Bool {
        switch inspect(folder) {
        case .nothing:
            return false
        case .otherFiles:
            throw PipelineError(
                "\(folder.path) holds files that are not an index; give a new or empty folder for --out (nothing was written)")
        case .index(let manifest):
            if let manifest, Source(manifest) == source { return true }
            if replace { return false }
            let what = manifest.map { "a gallery of " + Source($0).description } ?? "an index whose manifest cannot be read"
            throw PipelineError(
                "\(folder.path) already holds \(what); this build is of \(source.description). Give another --out, "
                    + "or add --replace to replace it (nothing was written)")
        }
    }

    /// The folder a build of `folder` is made in before it is moved into place: hidden, beside it.
    public static func temporary(for folder: URL) -> URL {
        let standard = folder.standardizedFileURL
        return standard.deletingLastPathComponent().appendingPathComponent(".\(standard.lastPathComponent).crossmodal-building")
    }

    /// Runs `build` on a new temporary folder beside `folder`, then puts the result in `folder`'s place: renamed
    /// there when `folder` does not exist, or exchanged with it in one step (``DurableFile/exchange(_:_:)``)
    /// under its write lock, after which the old contents are deleted. When `build` throws, the temporary
    /// folder is deleted and `folder` is untouched.
    public static func buildBeside<T>(_ folder: URL, _ build: (URL) throws -> T) throws -> T {
        let manager = FileManager.default
        try manager.createDirectory(at: folder.standardizedFileURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temporary = temporary(for: folder)
        try? manager.removeItem(at: temporary)  // what an interrupted build left
        try manager.createDirectory(at: temporary, withIntermediateDirectories: false)
        let result: T
        do {
            result = try build(temporary)
        } catch {
            try? manager.removeItem(at: temporary)
            throw error
        }
        do {
            if case .nothing = inspect(folder), manager.fileExists(atPath: folder.path) {
                try manager.removeItem(at: folder)  // an empty folder
            }
            if manager.fileExists(atPath: folder.path) {
                // Not while a server with writes on, or `index add`, holds the old index.
                let lock = try ExclusiveLock(folder.appendingPathComponent("write.lock"))
                try DurableFile.exchange(temporary, folder)
                lock.unlock()
            } else {
                try DurableFile.rename(temporary, to: folder)
            }
        } catch {
            try? manager.removeItem(at: temporary)
            throw PipelineError("\(folder.path): the new index could not be put in place (\(error)); the folder is as it was")
        }
        try? manager.removeItem(at: temporary)
        return result
    }
}
