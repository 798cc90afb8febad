import ArgumentParser
import Foundation
import SafeFiles

#if canImport(Glibc)
import Glibc
#endif

/// Where `serve` got its write token: a file only its owner can read, the environment, or (discouraged)
/// the command line, where every user sees it in `ps`.
struct WriteTokenSource {
    /// The token.
    let token: String
    /// Where it came from, in words for the user.
    let origin: String
    /// The token file, when it came from one.
    var file: URL?

    /// The token in `url`, first line, surrounding white space removed. A missing file is created with a
    /// new random token (32 hex digits from the system's generator) and mode 0600; an existing one must not
    /// be readable or writable by the group or others, and must be a regular file of at most 4 KiB.
    static func file(_ url: URL) throws -> WriteTokenSource {
        let path = url.path
        #if canImport(Glibc)
        var status = stat()
        if stat(path, &status) != 0 {
            guard errno == ENOENT else { throw ValidationError("\(path): cannot be read (\(String(cString: strerror(errno))))") }
            var generator = SystemRandomNumberGenerator()
            let token = (0..<16).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
            // O_EXCL: never through a link or over a file another process just made.
            let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard descriptor >= 0 else {
                throw ValidationError("\(path): cannot create the token file (\(String(cString: strerror(errno)))); check the folder exists and is writable")
            }
            defer { close(descriptor) }
            let bytes = Array((token + "\n").utf8)
            guard Glibc.write(descriptor, bytes, bytes.count) == bytes.count, fsync(descriptor) == 0 else {
                throw ValidationError("\(path): cannot write the token file (\(String(cString: strerror(errno))))")
            }
            return WriteTokenSource(token: token, origin: "\(path) (a new random token)", file: url)
        }
        guard status.st_mode & 0o077 == 0 else {
            throw ValidationError(
                "\(path) can be read or written by other users (mode \(String(status.st_mode & 0o777, radix: 8))); run `chmod 600 \(path)` first")
        }
        #endif
        let text: String
        do {
            text = try RegularFile.text(url, maxBytes: 4096)
        } catch {
            throw ValidationError(error.message)
        }
        let token = (text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !token.isEmpty else { throw ValidationError("\(path): the first line should hold the write token and is empty") }
        return WriteTokenSource(token: token, origin: path, file: url)
    }
}
