import Foundation

extension RegularFile {
    /// ``read(_:maxBytes:)`` for a reader whose errors are its own type: a failure is thrown as
    /// `error(message)`, the message naming the file and what is wrong with it.
    public static func read<E: Error>(_ url: URL, maxBytes: Int, orThrow error: (String) -> E) throws(E) -> Data {
        do {
            return try read(url, maxBytes: maxBytes)
        } catch let failure {
            throw error(failure.message)
        }
    }

    /// ``read(_:offset:count:maxBytes:)`` for a reader whose errors are its own type, as
    /// ``read(_:maxBytes:orThrow:)``.
    public static func read<E: Error>(
        _ url: URL, offset: Int, count: Int, maxBytes: Int, orThrow error: (String) -> E
    ) throws(E) -> Data {
        do {
            return try read(url, offset: offset, count: count, maxBytes: maxBytes)
        } catch let failure {
            throw error(failure.message)
        }
    }
}
