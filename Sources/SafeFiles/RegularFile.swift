import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Reading whole files that a user or a client named, safely: only regular files (never a FIFO that
/// blocks forever, a device that never ends, or a folder), and never more bytes than the caller allows,
/// checked on the opened file before anything is allocated.
public enum RegularFile {
    /// The bytes of `url` when it is a regular file of at most `maxBytes` bytes (symbolic links are followed).
    ///
    /// - Complexity: O(file size).
    public static func read(_ url: URL, maxBytes: Int) throws(FileReadError) -> Data {
        let path = url.path
        #if canImport(Glibc)
        let file = try OpenedFile(url, maxBytes: maxBytes)
        defer { withExtendedLifetime(file) {} }  // the descriptor stays open until the bytes are read
        let descriptor = file.descriptor, size = file.size
        var data = Data(count: size)
        var done = 0
        let failed: Int32? = data.withUnsafeMutableBytes { buffer -> Int32? in
            while done < size {
                let count = Glibc.read(descriptor, buffer.baseAddress! + done, size - done)
                if count < 0, errno == EINTR || errno == EAGAIN { continue }
                if count < 0 { return errno }
                if count == 0 { break }
                done += count
            }
            return nil
        }
        if let failed { throw FileReadError(path: path, reason: .unreadable(String(cString: strerror(failed)))) }
        // A file that shrank while being read is read as it now is.
        if done < size { data.removeSubrange(done..<size) }
        return data
        #else
        do {
            let values = try url.resourceValues(forKeys: [.isRegularFileKey, .fileSizeKey])
            guard values.isRegularFile == true else { throw FileReadError(path: path, reason: .notRegular(kind: "not a plain file")) }
            guard (values.fileSize ?? 0) <= maxBytes else {
                throw FileReadError(path: path, reason: .tooLarge(bytes: values.fileSize ?? 0, limit: maxBytes))
            }
            return try Data(contentsOf: url)
        } catch let error as FileReadError {
            throw error
        } catch {
            throw FileReadError(path: path, reason: .unreadable(error.localizedDescription))
        }
        #endif
    }

    /// The file as UTF-8 text, with the same checks.
    public static func text(_ url: URL, maxBytes: Int) throws(FileReadError) -> String {
        let data = try read(url, maxBytes: maxBytes)
        guard let text = String(data: data, encoding: .utf8) else {
            throw FileReadError(path: url.path, reason: .notText)
        }
        return text
    }

    #if canImport(Glibc)
    static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: "a folder"
        case S_IFIFO: "a FIFO"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        default: "not a plain file"
        }
    }
    #endif
}

extension RegularFile {
    /// `count` bytes from byte `offset` of `url` (a member of an archive), when `url` is a regular file that
    /// holds them and `count` is at most `maxBytes`.
    ///
    /// - Throws: ``FileReadError``: `.tooLarge` when `count` is over `maxBytes` (checked before anything is
    ///   allocated), `.unreadable` when the file ends before `offset + count` (it was cut short after it was
    ///   listed), and the checks of ``read(_:maxBytes:)``.
    /// - Complexity: O(count).
    public static func read(_ url: URL, offset: Int, count: Int, maxBytes: Int) throws(FileReadError) -> Data {
        guard count <= maxBytes else { throw FileReadError(url, .tooLarge(bytes: count, limit: maxBytes)) }
        return try OpenedFile(url, maxBytes: .max).read(offset: offset, count: count)
    }
}
