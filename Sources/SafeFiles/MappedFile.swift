import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The first bytes of a regular file, mapped read-only: the kernel reads pages in as they are touched and may
/// drop them again under memory pressure, so a file of gigabytes costs only the pages in use.
///
/// The mapping is private and read-only. Its bytes are the file's: a file must not be truncated below the mapped
/// length while mapped (touching a page past its end stops the process with SIGBUS). crossmodal's own writers only
/// append to a vector file, or replace files by renaming new ones into place, which leaves a mapping reading the
/// old file.
public final class MappedFile: @unchecked Sendable {
    /// The mapped bytes (empty for a length of 0).
    public let bytes: UnsafeRawBufferPointer
    /// The file's path.
    public let path: String

    /// Maps the first `length` bytes of `file`, which must hold at least that many.
    ///
    /// - Throws: ``FileReadError/Reason/unreadable(_:)`` when the file is shorter or the system refuses the mapping.
    public init(_ file: OpenedFile, length: Int) throws(FileReadError) {
        path = file.path
        guard length >= 0, length <= file.size else {
            throw FileReadError(path: file.path, reason: .unreadable("\(length) bytes asked to be mapped of a file of \(file.size); it is cut short"))
        }
        guard length > 0 else {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        #if canImport(Glibc)
        let address = mmap(nil, length, PROT_READ, MAP_PRIVATE, file.descriptor, 0)
        guard let address, address != MAP_FAILED else {
            throw FileReadError(path: file.path, reason: .unreadable("cannot map it: \(String(cString: strerror(errno)))"))
        }
        bytes = UnsafeRawBufferPointer(start: address, count: length)
        #else
        throw FileReadError(path: file.path, reason: .unreadable("mapping files needs Linux"))
        #endif
    }

    deinit {
        #if canImport(Glibc)
        if let base = bytes.baseAddress { munmap(UnsafeMutableRawPointer(mutating: base), bytes.count) }
        #endif
    }
}
