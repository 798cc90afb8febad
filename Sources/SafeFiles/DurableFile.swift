import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Writes that are on disk when they return: `fsync` on the file and, after a rename, on its folder.
///
/// An index acknowledges a change only after these return, so a power cut or a SIGKILL afterwards
/// cannot lose it; before they return, the change is either wholly absent or ignored on reopening.
public enum DurableFile {
    /// Flushes a file's contents (or a folder's entries) to the disk.
    public static func sync(_ url: URL) throws(FileReadError) {
        let descriptor = open(url.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileReadError(url, .unreadable(String(cString: strerror(errno)))) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else { throw FileReadError(url, .unwritable("fsync: \(String(cString: strerror(errno)))")) }
    }

    /// Replaces `url` with `data` so that a crash leaves the old contents or the new, never a mix:
    /// a temporary file beside it, `fsync`, `rename`, `fsync` of the folder.
    public static func replace(_ url: URL, with data: Data) throws(FileReadError) {
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).writing")
        do {
            try data.write(to: temporary)
        } catch {
            throw FileReadError(temporary, .unwritable("cannot write: \(error.localizedDescription)"))
        }
        try sync(temporary)
        try rename(temporary, to: url)
    }

    /// Renames `source` over `target` (atomically replacing it) and flushes the folder's entries.
    public static func rename(_ source: URL, to target: URL) throws(FileReadError) {
        guard Glibc.rename(source.path, target.path) == 0 else {
            throw FileReadError(target, .unwritable("rename: \(String(cString: strerror(errno)))"))
        }
        try sync(target.deletingLastPathComponent())
    }

    /// Swaps two paths (files or folders) in one step, so that a reader of either path sees the old entry or
    /// the new one, never none (Linux `renameat2` with `RENAME_EXCHANGE`), and flushes their folder. Where
    /// the system has no exchange, the old entry is renamed aside first, leaving a moment with neither.
    public static func exchange(_ first: URL, _ second: URL) throws(FileReadError) {
        typealias RenameAt2 = @convention(c) (Int32, UnsafePointer<CChar>, Int32, UnsafePointer<CChar>, UInt32) -> Int32
        // glibc has renameat2 since 2.28, but Swift's Glibc module does not declare it: look it up.
        if let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "renameat2") {
            let renameat2 = unsafeBitCast(symbol, to: RenameAt2.self)
            let exchanged = renameat2(AT_FDCWD, first.path, AT_FDCWD, second.path, 1 << 1)  // RENAME_EXCHANGE
            if exchanged == 0 {
                try sync(second.deletingLastPathComponent())
                return
            }
            guard errno == EINVAL || errno == ENOSYS else {
                throw FileReadError(second, .unwritable("exchange with \(first.path): \(String(cString: strerror(errno)))"))
            }
        }
        let aside = second.deletingLastPathComponent().appendingPathComponent(".\(second.lastPathComponent).exchanging")
        try rename(second, to: aside)
        try rename(first, to: second)
        try rename(aside, to: first)
    }

    /// Cuts the file to its first `keeping` bytes (dropping what a crashed writer left beyond them),
    /// appends `data` and flushes, creating the file when it is missing.
    ///
    /// - Returns: the file's new size.
    @discardableResult
    public static func truncateAndAppend(_ url: URL, keeping: Int, data: Data) throws(FileReadError) -> Int {
        let descriptor = open(url.path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FileReadError(url, .unwritable(String(cString: strerror(errno)))) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0, (status.st_mode & S_IFMT) == S_IFREG else { throw FileReadError(url, .notRegular(kind: "not a regular file")) }
        guard Int(status.st_size) >= keeping else {
            throw FileReadError(url, .unwritable("it holds \(status.st_size) bytes, fewer than the \(keeping) committed"))
        }
        guard ftruncate(descriptor, off_t(keeping)) == 0, lseek(descriptor, off_t(keeping), SEEK_SET) == off_t(keeping) else {
            throw FileReadError(url, .unwritable("truncate: \(String(cString: strerror(errno)))"))
        }
        let failure: String? = data.withUnsafeBytes { raw in
            var written = 0
            while written < raw.count {
                let count = write(descriptor, raw.baseAddress! + written, raw.count - written)
                if count < 0 {
                    if errno == EINTR { continue }
                    return String(cString: strerror(errno))
                }
                written += count
            }
            return nil
        }
        if let failure { throw FileReadError(url, .unwritable("write: \(failure)")) }
        guard fsync(descriptor) == 0 else { throw FileReadError(url, .unwritable("fsync: \(String(cString: strerror(errno)))")) }
        return keeping + data.count
    }
}

/// An exclusive advisory lock on a file (`flock`), held until ``unlock()`` or the process ends, so that
/// two writers never change one index at once. The kernel drops it when the holder dies, even by SIGKILL.
public final class ExclusiveLock: @unchecked Sendable {
    private var descriptor: Int32

    /// Takes the lock on `url` (created if missing), or throws at once when another process holds it.
    public init(_ url: URL) throws(FileReadError) {
        descriptor = open(url.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw FileReadError(url, .unwritable(String(cString: strerror(errno)))) }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            descriptor = -1
            throw FileReadError(url, .unwritable("another process is writing to this index; wait for it or stop it"))
        }
    }

    /// Releases the lock.
    public func unlock() {
        guard descriptor >= 0 else { return }
        close(descriptor)
        descriptor = -1
    }

    deinit { unlock() }
}
