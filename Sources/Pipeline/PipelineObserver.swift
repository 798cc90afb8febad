import Foundation

/// How pipeline work reports back while it runs: progress of long steps and notes for the user.
///
/// The library never prints; the command line turns these calls into progress bars and lines on
/// standard error, a test can record them, and ``silent`` drops them. Calls may come from worker
/// threads, so implementations must be thread-safe.
public struct PipelineObserver: Sendable {
    /// A long step starts: the unit of its items ("images") and how many (0 when not yet known).
    public var begin: @Sendable (_ unit: String, _ total: Int) -> Void
    /// Items done so far in the current step, of `total` (which may change once known).
    public var progress: @Sendable (_ done: Int, _ total: Int) -> Void
    /// The current step ended.
    public var end: @Sendable () -> Void
    /// Something the user should know that does not stop the work (a skipped file, a fallback).
    public var note: @Sendable (_ message: String) -> Void

    /// An observer from its four callbacks.
    public init(
        begin: @escaping @Sendable (String, Int) -> Void, progress: @escaping @Sendable (Int, Int) -> Void,
        end: @escaping @Sendable () -> Void, note: @escaping @Sendable (String) -> Void
    ) {
        self.begin = begin
        self.progress = progress
        self.end = end
        self.note = note
    }

    /// Drops every report.
    public static let silent = PipelineObserver(begin: { _, _ in }, progress: { _, _ in }, end: {}, note: { _ in })

    /// Runs `body` as one step of `total` items; `body` gets a counter that any thread may advance.
    public func step<T>(_ unit: String, total: Int, _ body: (StepCounter) throws -> T) rethrows -> T {
        begin(unit, total)
        defer { end() }
        return try body(StepCounter(total: total, report: progress))
    }
}

/// Counts the items of one step from any thread and reports each new total.
public final class StepCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var done = 0
    private let total: Int
    private let report: @Sendable (Int, Int) -> Void

    init(total: Int, report: @escaping @Sendable (Int, Int) -> Void) {
        self.total = total
        self.report = report
    }

    /// Records `count` more items done.
    public func advance(by count: Int = 1) {
        lock.withLock {
            done += count
            report(done, total)
        }
    }
}
