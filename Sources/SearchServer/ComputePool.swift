import Dispatch
import Foundation
import Numerics

/// At most `width` CPU-heavy jobs (encoders, searches) at once, each started only while its request
/// still has time; a job that waits longer than `maxWait` for a slot is turned away (503).
///
/// The server keeps two: one for text queries and one, a core narrower, for uploaded images, so that
/// expensive uploads can never hold every core while text queries wait.
final class ComputePool: @unchecked Sendable {
    private let slots: DispatchSemaphore
    private let maxWait: Double

    /// The reason a job was not run.
    struct Busy: Error {}

    init(width: Int, maxWait: Double) {
        slots = DispatchSemaphore(value: max(1, width))
        self.maxWait = maxWait
    }

    /// Runs `work` on the calling thread once a slot is free.
    /// - Throws: ``Busy`` after waiting `maxWait` seconds; `DeadlineExceeded` when the request's time ran out first.
    func run<T>(deadline: Deadline, _ work: () throws -> T) throws -> T {
        let wait = min(maxWait, deadline.secondsLeft)
        guard slots.wait(timeout: .now() + wait) == .success else {
            if deadline.hasPassed { throw DeadlineExceeded() }
            throw Busy()
        }
        defer { slots.signal() }
        try deadline.check()
        return try work()
    }
}
