import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A regular file a user or a client named, opened for reading within a size cap and closed when the
/// value goes away: the checks of ``RegularFile/read(_:maxBytes:)`` without reading the bytes, so a
/// server can send the file in pieces (`sendfile`) and never hold it whole.
public final class OpenedFile: @unchecked Sendable {
    /// The open descriptor (read-only, non-blocking, closed on exec).
    public let descriptor: Int32
    /// The file's size when it was opened.
    public let size: Int
    /// The file's path.
    public let path: String

    /// Opens `url` when it is a regular file of at most `maxBytes` bytes (symbolic links are followed).
    ///
    /// - Throws: ``FileReadError``: missing or unreadable (`.unreadable`, with the system's words: "Too many
    ///   open files" among them), not a regular file, or too large.
    public init(_ url: URL, maxBytes: Int) throws(FileReadError) {
        path = url.path
        #if canImport(Glibc)
        // O_NONBLOCK: opening a FIFO with no writer must not wait; the type is checked right after.
        let descriptor = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw FileReadError(path: path, reason: .unreadable(String(cString: strerror(errno)))) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw FileReadError(path: path, reason: .unreadable(reason))
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            close(descriptor)
            throw FileReadError(path: path, reason: .notRegular(kind: RegularFile.kind(status.st_mode)))
        }
        let size = Int(status.st_size)
        guard size <= maxBytes else {
            close(descriptor)
            throw FileReadError(path: path, reason: .tooLarge(bytes: size, limit: maxBytes))
        }
        self.descriptor = descriptor
        self.size = size
        #else
        throw FileReadError(path: path, reason: .unreadable("opening files for streaming needs Linux"))
        #endif
    }

    deinit {
        #if canImport(Glibc)
        close(descriptor)
        #endif
    }

    /// `count` bytes from byte `offset` (the caller has checked `count` against its cap).
    ///
    /// - Throws: ``FileReadError/Reason/unreadable(_:)`` for a negative range, or when the file ends before
    ///   `offset + count` (it was cut short after it was opened or listed).
    /// - Complexity: O(count).
    public func read(offset: Int, count: Int) throws(FileReadError) -> Data {
        guard count >= 0, offset >= 0 else { throw FileReadError(path: path, reason: .unreadable("a negative range (\(offset), \(count))")) }
        let end = offset.addingReportingOverflow(count)
        guard !end.overflow, end.partialValue <= size else {
            throw FileReadError(path: path, reason: .unreadable(
                "bytes \(offset)..<\(end.overflow ? Int.max : end.partialValue) asked of a file of \(size) bytes; it is cut short"))
        }
        var data = Data(count: count)
        let failure: FileReadError? = data.withUnsafeMutableBytes { buffer in
            do throws(FileReadError) {
                try read(offset: offset, into: buffer)
                return nil
            } catch {
                return error
            }
        }
        if let failure { throw failure }
        return data
    }

    /// Fills `buffer` with the bytes from `offset` on (the caller has checked the range against the file's size).
    ///
    /// - Throws: ``FileReadError/Reason/unreadable(_:)`` when the file ends early (cut short since it was opened).
    public func read(offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws(FileReadError) {
        #if canImport(Glibc)
        let count = buffer.count
        guard count > 0, let base = buffer.baseAddress else { return }
        var done = 0
        while done < count {
            let got = pread(descriptor, base + done, count - done, off_t(offset + done))
            if got < 0, errno == EINTR || errno == EAGAIN { continue }
            if got < 0 { throw FileReadError(path: path, reason: .unreadable(String(cString: strerror(errno)))) }
            if got == 0 { break }
            done += got
        }
        guard done == count else {
            throw FileReadError(path: path, reason: .unreadable("the file ended \(count - done) bytes early; it was cut short"))
        }
        #else
        throw FileReadError(path: path, reason: .unreadable("reading part of a file needs Linux"))
        #endif
    }
}
