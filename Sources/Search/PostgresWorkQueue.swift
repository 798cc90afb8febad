import Foundation
import Numerics

/// Embedding work shared by many workers through PostgreSQL: the items are cut into numbered batches, a
/// work table (`<table>_work`) holds one row per batch, and each worker claims the next unfinished batch with
/// `SELECT … FOR UPDATE SKIP LOCKED`, embeds it, and writes its vectors into `<table>` and marks it done in the
/// same transaction.
///
/// Why this is exactly-once: the claim is a row lock held by the open transaction. A worker that is killed (or
/// loses its connection) never commits, so PostgreSQL rolls back its vectors and releases the lock, and the
/// batch is claimed again by whoever asks next; a worker that commits has stored its vectors and the `done`
/// mark atomically, so no batch is done twice. `SKIP LOCKED` lets workers pass over each other's claims
/// without waiting. `<table>_meta` records what the table holds (dataset, split, encoder, batch size, batch
/// count), so a worker started with other settings is refused instead of mixing two jobs in one table.
public final class PostgresWorkQueue {
    private let connection: PostgresConnection
    /// The vectors' table.
    public let table: String
    /// The vectors' width.
    public let dimension: Int
    private var claimed: Int? = nil

    /// Connects and makes sure the tables exist and describe this job: on first use they are created and the
    /// batches `0..<batches` registered; later workers check that `description` matches what is recorded.
    ///
    /// - Throws: ``SearchError`` for a bad table name, a connection failure, or a table that holds another job.
    public init(url: String, table: String, dimension: Int, batches: Int, description: [String: String]) throws(SearchError) {
        try PostgresVectorSearch.validate(prefix: table)
        guard dimension >= 1, dimension <= 16_000 else { throw SearchError("pgvector stores at most 16,000 dimensions, not \(dimension)") }
        self.connection = try PostgresConnection(url: url)
        self.table = table
        self.dimension = dimension
        var recorded = description
        recorded["dimension"] = String(dimension)
        recorded["batches"] = String(batches)
        // Several workers start at once: one of them creates the tables, under a lock named after them.
        try connection.execute("SELECT pg_advisory_lock(hashtext('crossmodal:\(table)'))")
        do throws(SearchError) {
            try connection.execute("CREATE EXTENSION IF NOT EXISTS vector")
            try connection.execute("CREATE TABLE IF NOT EXISTS \(table)_meta (key text PRIMARY KEY, value text NOT NULL)")
            let existing = Dictionary(try connection.query("SELECT key, value FROM \(table)_meta", []).map { ($0[0], $0[1]) }, uniquingKeysWith: { a, _ in a })
            if existing.isEmpty {
                try connection.execute("BEGIN")
                try connection.execute("CREATE TABLE \(table) (id text PRIMARY KEY, batch integer NOT NULL, embedding vector(\(dimension)) NOT NULL)")
                try connection.execute(
                    "CREATE TABLE \(table)_work (batch integer PRIMARY KEY, done boolean NOT NULL DEFAULT false, worker text, finished timestamptz)")
                _ = try connection.query("INSERT INTO \(table)_work (batch) SELECT generate_series(0, $1::integer - 1)", [String(batches)])
                try connection.copy(into: "\(table)_meta (key, value)", lines: recorded.sorted { $0.key < $1.key }.map {
                    PostgresConnection.copyText($0.key) + "\t" + PostgresConnection.copyText($0.value)
                })
                try connection.execute("COMMIT")
            } else if existing != recorded {
                let differing = Set(existing.keys).union(recorded.keys).sorted().filter { existing[$0] != recorded[$0] }
                    .map { "\($0): table \(existing[$0] ?? "–"), this worker \(recorded[$0] ?? "–")" }
                throw SearchError("table \(table) holds another job (\(differing.joined(separator: "; "))); use another --table or drop \(table), \(table)_work and \(table)_meta")
            }
        } catch {
            try? connection.execute("ROLLBACK")
            try? connection.execute("SELECT pg_advisory_unlock(hashtext('crossmodal:\(table)'))")
            throw error
        }
        try connection.execute("SELECT pg_advisory_unlock(hashtext('crossmodal:\(table)'))")
    }

    /// Claims an unfinished batch nobody else holds, preferring those with `batch mod parts == part` (this
    /// worker's share under `--shard`), so workers start on separate batches and still finish anyone's.
    /// The claim stays open until ``complete(ids:vectors:worker:)`` or ``release()``. Nil when none is left.
    ///
    /// When every unfinished batch is held by another worker, waits for one to come free — a killed or failed
    /// worker's claim is released by PostgreSQL — checking every `poll` seconds, for as long as some batch is
    /// finished at least every `wait` seconds. So the workers of a job array finish a killed one's batch
    /// themselves, and a worker hung while holding a batch keeps the others only `wait` seconds past the last
    /// finished batch. Nil once every batch is done, or after that wait; `wait` 0 does not wait.
    public func claim(part: Int = 0, of parts: Int = 1, wait: Double = 0, poll: Double = 0.5) throws(SearchError) -> Int? {
        var lastDone = -1
        var deadline = Date()
        while true {
            if let batch = try claimFree(part: part, of: parts) { return batch }
            guard wait > 0 else { return nil }
            let (done, total) = try progress()
            guard done < total else { return nil }
            if done != lastDone { (lastDone, deadline) = (done, Date().addingTimeInterval(wait)) }
            guard Date() < deadline else { return nil }
            Thread.sleep(forTimeInterval: poll)
        }
    }

    /// Claims an unfinished batch nobody else holds, or nil at once.
    private func claimFree(part: Int, of parts: Int) throws(SearchError) -> Int? {
        guard claimed == nil else { throw SearchError("a batch is already claimed") }
        try connection.execute("BEGIN")
        let rows: [[String]]
        do throws(SearchError) {
            rows = try connection.query(
                "SELECT batch FROM \(table)_work WHERE NOT done ORDER BY (batch % $1::integer = $2::integer) DESC, batch LIMIT 1 FOR UPDATE SKIP LOCKED",
                [String(max(parts, 1)), String(part)])
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
        guard let first = rows.first, let batch = Int(first[0]) else {
            try connection.execute("ROLLBACK")
            return nil
        }
        claimed = batch
        return batch
    }

    /// Writes the claimed batch's vectors (row i is `ids[i]`) and marks it done, in the claim's transaction.
    ///
    /// - Throws: ``SearchError``; the transaction is then rolled back and the batch is free again.
    public func complete(ids: [String], vectors: Matrix, worker: String) throws(SearchError) {
        guard let batch = claimed else { throw SearchError("no batch is claimed") }
        guard ids.count == vectors.rows, vectors.columns == dimension || vectors.rows == 0 else {
            try release()
            throw SearchError("batch \(batch): \(ids.count) ids for \(vectors.rows) × \(vectors.columns) vectors (expected \(dimension)-d)")
        }
        do throws(SearchError) {
            let d = vectors.columns
            try connection.copy(into: "\(table) (id, batch, embedding)", lines: (0..<vectors.rows).lazy.map { row in
                PostgresConnection.copyText(ids[row]) + "\t\(batch)\t" + PostgresConnection.vectorLiteral(vectors.values[(row * d)..<((row + 1) * d)])
            })
            _ = try connection.query(
                "UPDATE \(table)_work SET done = true, worker = $2, finished = now() WHERE batch = $1::integer RETURNING batch", [String(batch), worker])
            try connection.execute("COMMIT")
            claimed = nil
        } catch {
            try? release()
            throw error
        }
    }

    /// Gives the claimed batch back (rolls its transaction back).
    public func release() throws(SearchError) {
        guard claimed != nil else { return }
        claimed = nil
        try connection.execute("ROLLBACK")
    }

    /// Batches done and in all.
    public func progress() throws(SearchError) -> (done: Int, total: Int) {
        let row = try connection.query("SELECT count(*) FILTER (WHERE done), count(*) FROM \(table)_work", [])
        guard let first = row.first, first.count == 2, let done = Int(first[0]), let total = Int(first[1]) else {
            throw SearchError("cannot read \(table)_work")
        }
        return (done, total)
    }
}
