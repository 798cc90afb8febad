import Foundation
import Numerics

/// The PostgreSQL backend: one pgvector table per vector set (`<prefix>_<set>`: row, id, label,
/// embedding), each with an HNSW index on inner product; searches run in the server.
public final class PostgresVectorSearch: VectorSearchBackend, @unchecked Sendable {
    private let url: String
    private let prefix: String
    /// The vectors' width.
    public let dimension: Int
    /// The sets present in the database.
    public let sets: [VectorSet]
    private var idle: [PostgresConnection] = []
    private let lock = NSLock()
    private let available: DispatchSemaphore

    /// Connects (up to `connections` at once) to a database where ``write(_:set:ids:labels:url:prefix:)`` stored the sets.
    public init(url: String, prefix: String, dimension: Int, connections: Int = 4) throws(SearchError) {
        try Self.validate(prefix: prefix)
        self.url = url
        self.prefix = prefix
        self.dimension = dimension
        let first = try PostgresConnection(url: url)
        let present = try first.query(
            "SELECT table_name FROM information_schema.tables WHERE table_name LIKE $1", [prefix + "\\_%"]
        ).map { $0[0] }
        sets = VectorSet.allCases.filter { present.contains(Self.table(prefix, $0)) }
        guard !sets.isEmpty else { throw SearchError("no \(prefix)_* tables in \(PostgresConnection.redacted(url)); build the index again") }
        idle = [first]
        available = DispatchSemaphore(value: max(1, connections))
    }

    /// The table of a set.
    static func table(_ prefix: String, _ set: VectorSet) -> String { prefix + "_" + set.rawValue.replacingOccurrences(of: "-", with: "_") }

    /// Table prefixes are used inside SQL, so only lower-case letters, digits and underscores are allowed.
    static func validate(prefix: String) throws(SearchError) {
        guard let first = prefix.first, first.isLetter, prefix.count <= 40,
            prefix.allSatisfy({ ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "_" })
        else { throw SearchError("table prefix \(prefix.debugDescription) must be lower-case letters, digits and _ (starting with a letter)") }
    }

    /// Replaces the set's table with `vectors` (row i labelled `ids[i]`, `labels[i]`), then indexes it.
    ///
    /// - Complexity: O(n · d) to send, plus the server's HNSW build.
    public static func write(
        _ vectors: Matrix, set: VectorSet, ids: [String], labels: [String], url: String, prefix: String
    ) throws(SearchError) {
        try validate(prefix: prefix)
        guard ids.count == vectors.rows, labels.count == vectors.rows else { throw SearchError("ids, labels and vectors differ in count") }
        let connection = try PostgresConnection(url: url)
        let table = table(prefix, set)
        try connection.execute("CREATE EXTENSION IF NOT EXISTS vector")
        try connection.execute("DROP TABLE IF EXISTS \(table)")
        try connection.execute(
            "CREATE TABLE \(table) (row integer PRIMARY KEY, id text NOT NULL UNIQUE, label text NOT NULL, embedding vector(\(vectors.columns)) NOT NULL)")
        let d = vectors.columns
        let lines = (0..<vectors.rows).lazy.map { row in
            "\(row)\t\(PostgresConnection.copyText(ids[row]))\t\(PostgresConnection.copyText(labels[row]))\t"
                + PostgresConnection.vectorLiteral(vectors.values[(row * d)..<((row + 1) * d)])
        }
        try connection.copy(into: "\(table) (row, id, label, embedding)", lines: lines)
        // pgvector builds the graph in memory while it fits in maintenance_work_mem and then far more slowly on
        // disk; the server's default (64 MB) holds about 50,000 rows of 256-d. Room for all of them: the vectors
        // plus about 200 bytes of links and overhead a row, from 64 MB to at most 4 GB, for this session only.
        let room = min(max(vectors.rows * (d * 4 + 200) * 5 / 4 / 1_048_576, 64), 4096)
        try connection.execute("SET maintenance_work_mem = '\(room)MB'")
        try connection.execute("CREATE INDEX \(table)_hnsw ON \(table) USING hnsw (embedding vector_ip_ops) WITH (m = 16, ef_construction = 200)")
        try connection.execute("ANALYZE \(table)")
    }

    /// Nearest rows by inner product through the table's HNSW index (ef_search at least max(k, 100)).
    ///
    /// Rows at or beyond `visible.count` (a writer's uncommitted work) are excluded in SQL; removed rows are
    /// deleted from the table once their removal commits, and filtered here in case that has not happened yet.
    public func search(_ query: [Float], in set: VectorSet, k: Int, visible: VisibleRows) throws(SearchError) -> [SearchHit] {
        guard sets.contains(set) else { throw SearchError("this index has no \(set.rawValue) vectors") }
        guard query.count == dimension else { throw SearchError("the query has \(query.count) values; the index is \(dimension)-d") }
        let wanted = min(max(k, 0), 1000)
        guard wanted > 0 else { return [] }
        let asked = min(1000, wanted + visible.removed.count)
        let connection = try borrow()
        defer { giveBack(connection) }
        // pgvector's ef_search is at most 1000; `<#>` is the negative inner product.
        try connection.execute("SET hnsw.ef_search = \(max(asked, 100))")
        let committed = visible.count == .max ? "" : "WHERE row < \(visible.count) "
        let rows = try connection.query(
            "SELECT row, -(embedding <#> $1::vector) FROM \(Self.table(prefix, set)) \(committed)ORDER BY embedding <#> $1::vector LIMIT \(asked)",
            [PostgresConnection.vectorLiteral(query)])
        return rows.compactMap { row -> SearchHit? in
            guard let index = Int(row[0]), let score = Float(row[1]), visible.contains(index) else { return nil }
            return SearchHit(row: index, score: score)
        }.prefix(wanted).map { $0 }
    }

    /// Inserts the rows in one transaction, after deleting what a crashed writer left at or beyond `start`.
    public func store(_ vectors: Matrix, in set: VectorSet, from start: Int, ids: [String], labels: [String]) throws(SearchError) {
        guard sets.contains(set) else { throw SearchError("this index has no \(set.rawValue) table; build the index again") }
        guard ids.count == vectors.rows, labels.count == vectors.rows, vectors.columns == dimension else {
            throw SearchError("ids, labels and vectors differ in count or width")
        }
        let connection = try borrow()
        defer { giveBack(connection) }
        let table = Self.table(prefix, set)
        let d = vectors.columns
        try connection.execute("BEGIN")
        do {
            try connection.execute("DELETE FROM \(table) WHERE row >= \(start)")
            let lines = (0..<vectors.rows).lazy.map { row in
                "\(start + row)\t\(PostgresConnection.copyText(ids[row]))\t\(PostgresConnection.copyText(labels[row]))\t"
                    + PostgresConnection.vectorLiteral(vectors.values[(row * d)..<((row + 1) * d)])
            }
            try connection.copy(into: "\(table) (row, id, label, embedding)", lines: lines)
            try connection.execute("COMMIT")
        } catch {
            try? connection.execute("ROLLBACK")
            throw error
        }
    }

    /// Every row's id in a set's table (row → id), for checking the table against the catalogue.
    public func storedIDs(_ set: VectorSet) throws(SearchError) -> [Int: String] {
        guard sets.contains(set) else { return [:] }
        let connection = try borrow()
        defer { giveBack(connection) }
        var ids: [Int: String] = [:]
        for row in try connection.query("SELECT row, id FROM \(Self.table(prefix, set))", []) {
            if let index = Int(row[0]) { ids[index] = row[1] }
        }
        return ids
    }

    /// Nothing to keep in memory: the server searches the table.
    public func publish(_ vectors: Matrix, in set: VectorSet, from start: Int) throws(SearchError) {}

    /// Deletes removed rows from the table.
    public func forget(rows: [Int], in set: VectorSet) throws(SearchError) {
        guard sets.contains(set), !rows.isEmpty else { return }
        let connection = try borrow()
        defer { giveBack(connection) }
        try connection.execute("DELETE FROM \(Self.table(prefix, set)) WHERE row IN (\(rows.map(String.init).joined(separator: ",")))")
    }

    /// Deletes uncommitted rows and removed ones.
    public func recover(_ set: VectorSet, committed: Int, removed: Set<Int>) throws(SearchError) {
        guard sets.contains(set) else { return }
        let connection = try borrow()
        defer { giveBack(connection) }
        try connection.execute("DELETE FROM \(Self.table(prefix, set)) WHERE row >= \(committed)")
        let sorted = removed.sorted()
        for start in stride(from: 0, to: sorted.count, by: 10_000) {
            let chunk = sorted[start..<min(sorted.count, start + 10_000)]
            try connection.execute("DELETE FROM \(Self.table(prefix, set)) WHERE row IN (\(chunk.map(String.init).joined(separator: ",")))")
        }
    }

    /// The stored vector of one row.
    public func vector(_ set: VectorSet, row: Int) throws(SearchError) -> [Float]? {
        guard sets.contains(set) else { return nil }
        let connection = try borrow()
        defer { giveBack(connection) }
        let rows = try connection.query("SELECT embedding::text FROM \(Self.table(prefix, set)) WHERE row = $1", [String(row)])
        guard let text = rows.first?.first else { return nil }
        let values = text.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).split(separator: ",").compactMap { Float($0) }
        return values.count == dimension ? values : nil
    }

    private func borrow() throws(SearchError) -> PostgresConnection {
        available.wait()
        let reused: PostgresConnection? = lock.withLock { idle.popLast() }
        if let reused { return reused }
        do {
            return try PostgresConnection(url: url)
        } catch {
            available.signal()
            throw error
        }
    }

    private func giveBack(_ connection: PostgresConnection) {
        lock.withLock { idle.append(connection) }
        available.signal()
    }
}
