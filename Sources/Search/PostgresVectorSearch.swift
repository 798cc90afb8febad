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
        try connection.execute("CREATE INDEX \(table)_hnsw ON \(table) USING hnsw (embedding vector_ip_ops) WITH (m = 16, ef_construction = 200)")
        try connection.execute("ANALYZE \(table)")
    }

    /// Nearest rows by inner product through the table's HNSW index (ef_search at least max(k, 100)).
    public func search(_ query: [Float], in set: VectorSet, k: Int) throws(SearchError) -> [SearchHit] {
        guard sets.contains(set) else { throw SearchError("this index has no \(set.rawValue) vectors") }
        guard query.count == dimension else { throw SearchError("the query has \(query.count) values; the index is \(dimension)-d") }
        let wanted = min(max(k, 0), 1000)
        guard wanted > 0 else { return [] }
        let connection = try borrow()
        defer { giveBack(connection) }
        // pgvector's ef_search is at most 1000; `<#>` is the negative inner product.
        try connection.execute("SET hnsw.ef_search = \(max(wanted, 100))")
        let rows = try connection.query(
            "SELECT row, -(embedding <#> $1::vector) FROM \(Self.table(prefix, set)) ORDER BY embedding <#> $1::vector LIMIT \(wanted)",
            [PostgresConnection.vectorLiteral(query)])
        return rows.compactMap { row in
            guard let index = Int(row[0]), let score = Float(row[1]) else { return nil }
            return SearchHit(row: index, score: score)
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
