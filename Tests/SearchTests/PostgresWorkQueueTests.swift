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
}
