import Dispatch
import Foundation

/// Work spread over the cores, results kept in input order.
///
/// One place for the pattern every concurrent loop here needs: a slot per result, filled from worker
/// threads without locks (each slot is written by exactly one iteration), collected after
/// `DispatchQueue.concurrentPerform` returns.
public enum Parallel {
    /// The number of cores the process may use.
    public static var cores: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// `transform(i)` for every `i` in `0..<count`, run concurrently, in index order.
    ///
    /// If any call throws, the error of the lowest failing index is thrown (after every call has run).
    /// - Complexity: `count` calls of `transform`, spread over all cores.
    public static func map<T, E: Error>(_ count: Int, _ transform: (Int) throws(E) -> T) throws(E) -> [T] {
        guard count > 0 else { return [] }
        if count == 1 { return [try transform(0)] }
        let slots = UnsafeMutableBufferPointer<Result<T, E>>.allocate(capacity: count)
        defer { slots.deallocate() }
        return try withoutActuallyEscaping(transform) { (body: @escaping (Int) throws(E) -> T) throws(E) -> [T] in
            nonisolated(unsafe) let output = slots
            nonisolated(unsafe) let run = body
            DispatchQueue.concurrentPerform(iterations: count) { index in
                let result: Result<T, E>
                do throws(E) { result = .success(try run(index)) } catch { result = .failure(error) }
                (output.baseAddress! + index).initialize(to: result)
            }
            let collected = Array(output)
            _ = output.deinitialize()
            return try collected.map { (result: Result<T, E>) throws(E) -> T in try result.get() }
        }
    }

    /// `transform` on consecutive, near-equal ranges covering `0..<count`, one range per chunk, run
    /// concurrently; the results in range order.
    ///
    /// - Parameter chunks: the number of ranges, at most `count` (at least one range when `count > 0`).
    public static func mapChunks<T, E: Error>(
        of count: Int, chunks: Int = cores, _ transform: (Range<Int>) throws(E) -> T
    ) throws(E) -> [T] {
        let pieces = max(1, min(chunks, count))
        guard count > 0 else { return [] }
        return try map(pieces) { (chunk: Int) throws(E) -> T in
            try transform((chunk * count / pieces)..<((chunk + 1) * count / pieces))
        }
    }

    /// `transform(i)` for every `i` in `0..<count`: index 0 on the calling thread, the others handed to the
    /// global queue, in index order. Unlike ``map(_:_:)`` this spreads the work even when called from
    /// inside another parallel loop, where GCD runs a nested `concurrentPerform` serially on one thread:
    /// the other pieces start as soon as a worker thread is free.
    ///
    /// If any call throws, the error of the lowest failing index is thrown (after every call has run).
    public static func spread<T, E: Error>(_ count: Int, _ transform: (Int) throws(E) -> T) throws(E) -> [T] {
        guard count > 1 else { return count == 1 ? [try transform(0)] : [] }
        let slots = UnsafeMutableBufferPointer<Result<T, E>>.allocate(capacity: count)
        defer { slots.deallocate() }
        return try withoutActuallyEscaping(transform) { (body: @escaping (Int) throws(E) -> T) throws(E) -> [T] in
            nonisolated(unsafe) let output = slots
            nonisolated(unsafe) let run = body
            let group = DispatchGroup()
            for index in 1..<count {
                DispatchQueue.global().async(group: group) {
                    let result: Result<T, E>
                    do throws(E) { result = .success(try run(index)) } catch { result = .failure(error) }
                    (output.baseAddress! + index).initialize(to: result)
                }
            }
            let first: Result<T, E>
            do throws(E) { first = .success(try run(0)) } catch { first = .failure(error) }
            output.baseAddress!.initialize(to: first)
            group.wait()
            defer { _ = output.deinitialize() }
            return try output.map { (slot: Result<T, E>) throws(E) -> T in try slot.get() }
        }
    }

    /// Runs two independent pieces of work on two threads and returns both results (the first error
    /// if either throws).
    public static func both<A, B>(_ first: () throws -> A, _ second: () throws -> B) throws -> (A, B) {
        nonisolated(unsafe) var a: Result<A, any Error>?
        nonisolated(unsafe) var b: Result<B, any Error>?
        try withoutActuallyEscaping(first) { first in
            try withoutActuallyEscaping(second) { second in
                nonisolated(unsafe) let runFirst = first
                nonisolated(unsafe) let runSecond = second
                DispatchQueue.concurrentPerform(iterations: 2) { index in
                    if index == 0 { a = Result { try runFirst() } } else { b = Result { try runSecond() } }
                }
            }
        }
        guard let a, let b else { throw NumericsError("a parallel task did not run") }
        return (try a.get(), try b.get())
    }
}
