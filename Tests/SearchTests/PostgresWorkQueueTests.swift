import Foundation
import Numerics
import Search
import TestSupport
import Testing

/// The work table on a real PostgreSQL: two workers never hold the same batch, a batch given back (or left by a
/// worker that failed) is claimed again, every batch is done once, and a worker of another job is refused.
@Suite(.serialized) struct PostgresWorkQueueTests {
    @Test func claimsAreExclusiveAndReleasedBatchesComeBack() throws {
        let server = try PostgresServer()
        defer { server.stop() }
        let job = ["dataset": "/data/shards", "split": "all", "encoder": "test"]
        let first = try PostgresWorkQueue(url: server.url, table: "work", dimension: 4, batches: 3, description: job)
        let second = try PostgresWorkQueue(url: server.url, table: "work", dimension: 4, batches: 3, description: job)
        let a = try #require(try first.claim())
        let b = try #require(try second.claim())
        #expect(a != b)
        // The first gives its batch back (a failed embedding); the second finishes its own and takes the rest.
        try first.release()
        try second.complete(ids: ["x\(b)"], vectors: unitRows(1, 4, seed: 1), worker: "second")
        var done = [b]
        while let batch = try second.claim() {
            try second.complete(ids: ["x\(batch)"], vectors: unitRows(1, 4, seed: UInt64(batch) + 2), worker: "second")
            done.append(batch)
        }
        #expect(done.sorted() == [0, 1, 2])
        #expect(try first.claim() == nil)
        #expect(try first.progress() == (3, 3))
        // Vectors of the wrong width roll the claim back instead of half-writing it.
        let other = try PostgresWorkQueue(url: server.url, table: "wide", dimension: 4, batches: 1, description: job)
        _ = try other.claim()
        #expect(throws: SearchError.self) { try other.complete(ids: ["y"], vectors: unitRows(1, 3, seed: 9), worker: "other") }
        #expect(try other.claim() == 0)

        // Another job's settings on the same table: refused, naming what differs.
        var changed = job
        changed["split"] = "train"
        let error = #expect(throws: SearchError.self) { try PostgresWorkQueue(url: server.url, table: "work", dimension: 4, batches: 3, description: changed) }
        #expect(error?.message.contains("split: table all, this worker train") == true, "\(error?.message ?? "")")
        #expect(throws: SearchError.self) { try PostgresWorkQueue(url: server.url, table: "Work; DROP", dimension: 4, batches: 3, description: job) }
    }

    /// A worker that finds every batch held waits: it takes a batch its holder gives up (as PostgreSQL does for a
    /// killed worker), returns nil once the holder finishes the last one, and leaves after `wait` seconds without a
    /// finished batch when the holder hangs.
    @Test func aWaitingWorkerTakesWhatItsHolderGivesUp() throws {
        let server = try PostgresServer()
        defer { server.stop() }
        let job = ["dataset": "/data/shards", "split": "all", "encoder": "test"]
        func queues(_ table: String) throws -> (holder: Shared, waiter: PostgresWorkQueue) {
            let holder = try PostgresWorkQueue(url: server.url, table: table, dimension: 4, batches: 1, description: job)
            return (Shared(holder), try PostgresWorkQueue(url: server.url, table: table, dimension: 4, batches: 1, description: job))
        }

        let given = try queues("given_up")
        let givingUp = given.holder
        #expect(try givingUp.queue.claim() == 0)
        #expect(try given.waiter.claim() == nil, "without a wait, a held batch is not waited for")
        let giving = DedicatedThread {
            Thread.sleep(forTimeInterval: 0.5)
            try? givingUp.queue.release()
        }
        #expect(try given.waiter.claim(wait: 30, poll: 0.05) == 0)
        giving.wait()

        let finished = try queues("finished")
        let finisher = finished.holder
        #expect(try finisher.queue.claim() == 0)
        let finishing = DedicatedThread {
            Thread.sleep(forTimeInterval: 0.5)
            try? finisher.queue.complete(ids: ["a"], vectors: unitRows(1, 4, seed: 1), worker: "holder")
        }
        #expect(try finished.waiter.claim(wait: 30, poll: 0.05) == nil)
        finishing.wait()
        #expect(try finished.waiter.progress() == (1, 1))

        let hung = try queues("hung")
        #expect(try hung.holder.queue.claim() == 0)
        #expect(try hung.waiter.claim(wait: 0.3, poll: 0.05) == nil)
        #expect(try hung.waiter.progress() == (0, 1))
    }
}

/// A queue handed to another thread of a test (used by one thread at a time).
final class Shared: @unchecked Sendable {
    let queue: PostgresWorkQueue
    init(_ queue: PostgresWorkQueue) { self.queue = queue }
}
