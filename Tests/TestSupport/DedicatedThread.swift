import Foundation

/// Work on a thread of its own, outside GCD's pool.
///
/// On a 2-core machine GCD's global queue runs about two blocks at a time: a test's spinning readers, or
/// a blocking read of a child's pipe, must neither wait for one of those workers nor hold one while other
/// work waits for it (a reader that never starts, or a pipe never drained, hangs the whole test run).
public final class DedicatedThread: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)

    /// Starts `body` on a new thread.
    public init(_ body: @escaping @Sendable () -> Void) {
        let done = self.done
        let thread = Thread {
            body()
            done.signal()
        }
        thread.start()
    }

    /// Waits until the body has returned.
    public func wait() { done.wait() }
}
