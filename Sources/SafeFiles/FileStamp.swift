import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// What tells a file replaced by another (a rename over it) or rewritten from the one seen before: its
/// inode, size and modification time.
public struct FileStamp: Equatable, Sendable {
    let inode: UInt64
    let size: Int64
    let seconds: Int
    let nanoseconds: Int

    /// The stamp of the file at `path` now (symbolic links followed); nil when it cannot be looked at.
    public init?(path: String) {
        #if canImport(Glibc)
        var status = stat()
        guard stat(path, &status) == 0 else { return nil }
        inode = UInt64(status.st_ino)
        size = Int64(status.st_size)
        seconds = Int(status.st_mtim.tv_sec)
        nanoseconds = Int(status.st_mtim.tv_nsec)
        #else
        return nil
        #endif
    }
}
