import Dispatch
import Foundation

/// Runs CPU-heavy work (encoders, searches) on dedicated threads, at most one job per core, so the
/// socket tasks of the HTTP server never wait behind a computation.
final class ComputePool: @unchecked Sendable {
    private let queue = DispatchQueue(label: "crossmodal.compute", attributes: .concurrent)
    private let slots: DispatchSemaphore
    private let maxWait: Double

    /// The reason a job was not run.
    struct Busy: Error {}

    init(width: Int, maxWait: Double) {
        slots = DispatchSemaphore(value: max(1, width))
        self.maxWait = maxWait
    }

    /// Runs `work` when a core is free; throws ``Busy`` after waiting `maxWait` seconds for one.
    func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { [slots, maxWait] in
                guard slots.wait(timeout: .now() + maxWait) == .success else {
                    continuation.resume(throwing: Busy())
                    return
                }
                defer { slots.signal() }
                continuation.resume(with: Result { try work() })
            }
        }
    }
}
