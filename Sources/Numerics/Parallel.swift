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

    /// `transform(i)` for every `i` in `0..<count`, in index order, with the pieces claimed one at a time by
    /// the calling thread and by the pool's helper threads (one fewer than the cores). A thread waiting for
    /// its own pieces to finish runs pieces of other spreads meanwhile, so spreads nest (the text tower's
    /// slices inside ``both(_:_:)``) without ever putting more threads to work than there are cores, and a
    /// core that finishes early takes the next piece of whatever is left. Which thread runs a piece does not
    /// change its result.
    ///
    /// If any call throws, the error of the lowest failing index is thrown (after every call has run).
    public static func spread<T, E: Error>(_ count: Int, _ transform: (Int) throws(E) -> T) throws(E) -> [T] {
        guard count > 1 else { return count == 1 ? [try transform(0)] : [] }
        let slots = UnsafeMutableBufferPointer<Result<T, E>>.allocate(capacity: count)
        defer { slots.deallocate() }
        return try withoutActuallyEscaping(transform) { (body: @escaping (Int) throws(E) -> T) throws(E) -> [T] in
            nonisolated(unsafe) let output = slots
            nonisolated(unsafe) let run = body
            PiecePool.shared.run(
                PieceBatch(count: count) { index in
                    let result: Result<T, E>
                    do throws(E) { result = .success(try run(index)) } catch { result = .failure(error) }
                    (output.baseAddress! + index).initialize(to: result)
                })
            defer { _ = output.deinitialize() }
            return try output.map { (slot: Result<T, E>) throws(E) -> T in try slot.get() }
        }
    }

    /// Runs two independent pieces of work on two cores (through ``spread(_:_:)``, so either may itself
    /// spread) and returns both results (the first error if either throws).
    public static func both<A, B>(_ first: () throws -> A, _ second: () throws -> B) throws -> (A, B) {
        nonisolated(unsafe) var a: Result<A, any Error>?
        nonisolated(unsafe) var b: Result<B, any Error>?
        _ = spread(2) { index in
            if index == 0 { a = Result { try first() } } else { b = Result { try second() } }
        }
        guard let a, let b else { throw NumericsError("a parallel task did not run") }
        return (try a.get(), try b.get())
    }
}

/// The pieces of one ``Parallel/spread(_:_:)``: how many are claimed and done, and the work, which the
/// caller drops once every piece is done (nothing may keep it past the spread).
final class PieceBatch: @unchecked Sendable {
    let count: Int
    var next = 0
    var done = 0
    var body: ((Int) -> Void)?

    init(count: Int, body: @escaping (Int) -> Void) {
        self.count = count
        self.body = body
    }
}

/// The helper threads every spread shares, and the spreads with pieces still to claim.
///
/// One lock and one condition guard everything: a piece is milliseconds of work, so claiming is rare.
final class PiecePool: @unchecked Sendable {
    static let shared = PiecePool(helpers: Parallel.cores - 1)
    private let condition = NSCondition()
    private var open: [PieceBatch] = []  // spreads with unclaimed pieces, oldest first

    private init(helpers: Int) {
        for index in 0..<max(0, helpers) {
            let thread = Thread { [unowned self] in self.help() }
            thread.name = "crossmodal.pool.\(index)"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Claims a piece of the newest open spread (the innermost, which others wait for). Holds the lock.
    private func claimAny() -> (PieceBatch, Int)? {
        guard let batch = open.last else { return nil }
        return (batch, claim(batch))
    }

    /// Claims the next piece of `batch`, closing it when it has none left. Holds the lock.
    private func claim(_ batch: PieceBatch) -> Int {
        let index = batch.next
        batch.next += 1
        if batch.next == batch.count, let position = open.firstIndex(where: { $0 === batch }) { open.remove(at: position) }
        return index
    }

    /// Runs a claimed piece without the lock, then counts it done. Called and returns with the lock held.
    private func execute(_ batch: PieceBatch, _ index: Int) {
        condition.unlock()
        do {
            // The reference to the work ends with this scope, before the piece is counted done.
            let body = batch.body
            body?(index)
        }
        condition.lock()
        batch.done += 1
        if batch.done == batch.count { condition.broadcast() }
    }

    private func help() {
        condition.lock()
        while true {
            if let (batch, index) = claimAny() { execute(batch, index) } else { condition.wait() }
        }
    }

    /// Opens `batch` to the helpers and works until all its pieces are done: its own first, then others'.
    func run(_ batch: PieceBatch) {
        condition.lock()
        open.append(batch)
        condition.broadcast()
        while batch.done < batch.count {
            if batch.next < batch.count {
                execute(batch, claim(batch))
            } else if let (other, index) = claimAny() {
                execute(other, index)
            } else {
                condition.wait()
            }
        }
        batch.body = nil
        condition.unlock()
    }
}
