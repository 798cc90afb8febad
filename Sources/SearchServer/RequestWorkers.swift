import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A fixed set of threads that answer requests from a bounded queue; each answer is handed back to
/// the server's loop, which a byte on `wakeDescriptor` wakes.
///
/// When the queue is full, ``submit(_:_:)`` says so at once and the loop answers 503: work never piles
/// up without bound behind slow requests.
final class RequestWorkers: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [(id: UInt64, request: HTTPRequest)] = []
    private var head = 0
    private var completed: [(id: UInt64, response: HTTPResponse)] = []
    private let capacity: Int
    private let wakeDescriptor: Int32
    private let handler: @Sendable (HTTPRequest) -> HTTPResponse
    private var stopping = false

    /// Starts `threads` workers.
    init(threads: Int, capacity: Int, wakeDescriptor: Int32, handler: @escaping @Sendable (HTTPRequest) -> HTTPResponse) {
        self.capacity = max(1, capacity)
        self.wakeDescriptor = wakeDescriptor
        self.handler = handler
        for index in 0..<max(1, threads) {
            let thread = Thread { [self] in work() }
            thread.name = "crossmodal.request.\(index)"
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    /// Queues a request; false when the queue is full.
    func submit(_ id: UInt64, _ request: HTTPRequest) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard queue.count - head < capacity else { return false }
        queue.append((id, request))
        condition.signal()
        return true
    }

    /// The answers finished since the last call.
    func takeCompleted() -> [(id: UInt64, response: HTTPResponse)] {
        condition.lock()
        defer { condition.unlock() }
        let answers = completed
        completed.removeAll(keepingCapacity: true)
        return answers
    }

    /// Lets the threads end once the queue is empty.
    func shutDown() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    private func work() {
        while true {
            condition.lock()
            while head == queue.count, !stopping { condition.wait() }
            if head == queue.count {
                condition.unlock()
                return
            }
            let item = queue[head]
            head += 1
            if head > 1024, head * 2 > queue.count {
                queue.removeFirst(head)
                head = 0
            }
            condition.unlock()
            let response = item.request.deadline.hasPassed
                ? HTTPResponse.error(503, "the request waited too long for a worker; try again shortly", headers: [("Retry-After", "1")])
                : handler(item.request)
            condition.lock()
            completed.append((item.id, response))
            // Under the lock: after shutDown the pipe may be closed and its number reused.
            if !stopping {
                var byte: UInt8 = 1
                _ = write(wakeDescriptor, &byte, 1)  // a full pipe already holds a wake-up
            }
            condition.unlock()
        }
    }
}
