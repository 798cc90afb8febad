import CPostgres
import Foundation

/// One libpq connection: plain statements, parameterised queries with text results, and COPY FROM STDIN.
///
/// A connection is used by one thread at a time (``PostgresVectorSearch`` keeps a pool).
final class PostgresConnection {
    private let connection: OpaquePointer

    /// Connects to `url` (`postgres://user@host:port/database`).
    init(url: String) throws(SearchError) {
        guard let connection = PQconnectdb(url) else { throw SearchError("cannot allocate a PostgreSQL connection") }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(connection)).trimmingCharacters(in: .whitespacesAndNewlines)
            PQfinish(connection)
            throw SearchError("cannot connect to \(Self.redacted(url)): \(message)")
        }
        self.connection = connection
        // NOTICE lines ("extension already exists, skipping") would go to the user's terminal through libpq.
        PQclear(PQexec(connection, "SET client_min_messages = warning"))
    }

    deinit { PQfinish(connection) }

    /// The URL without a password, for messages.
    static func redacted(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? url
    }

    /// Runs SQL that returns no rows.
    func execute(_ sql: String) throws(SearchError) {
        let result = PQexec(connection, sql)
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK else { throw failure(result) }
    }

    /// Runs a parameterised query; every value comes back as text (no rows for a statement that returns none).
    func query(_ sql: String, _ parameters: [String]) throws(SearchError) -> [[String]] {
        let cStrings = parameters.map { strdup($0) }
        defer { cStrings.forEach { free($0) } }
        let pointers: [UnsafePointer<CChar>?] = cStrings.map { UnsafePointer($0) }
        let result = PQexecParams(connection, sql, Int32(parameters.count), nil, pointers, nil, nil, 0)
        defer { PQclear(result) }
        let status = PQresultStatus(result)
        guard status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK else { throw failure(result) }
        let rows = PQntuples(result), columns = PQnfields(result)
        return (0..<rows).map { row in (0..<columns).map { String(cString: PQgetvalue(result, row, $0)) } }
    }

    /// Streams text-format rows into `COPY <target> FROM STDIN`.
    func copy(into target: String, lines: some Sequence<String>) throws(SearchError) {
        let start = PQexec(connection, "COPY \(target) FROM STDIN")
        let status = PQresultStatus(start)
        if status != PGRES_COPY_IN {
            defer { PQclear(start) }
            throw failure(start)
        }
        PQclear(start)
        var buffer = ""
        func flush() throws(SearchError) {
            guard !buffer.isEmpty else { return }
            let sent = buffer.withCString { PQputCopyData(connection, $0, Int32(strlen($0))) }
            guard sent == 1 else { throw SearchError("COPY failed: \(String(cString: PQerrorMessage(connection)))") }
            buffer = ""
        }
        for line in lines {
            buffer += line
            buffer += "\n"
            if buffer.utf8.count > 1 << 20 { try flush() }
        }
        try flush()
        guard PQputCopyEnd(connection, nil) == 1 else { throw SearchError("COPY failed: \(String(cString: PQerrorMessage(connection)))") }
        while let result = PQgetResult(connection) {
            defer { PQclear(result) }
            guard PQresultStatus(result) == PGRES_COMMAND_OK else { throw failure(result) }
        }
    }

    private func failure(_ result: OpaquePointer?) -> SearchError {
        let message = result.map { String(cString: PQresultErrorMessage($0)) } ?? String(cString: PQerrorMessage(connection))
        return SearchError("PostgreSQL: " + message.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// A value escaped for COPY's text format.
    static func copyText(_ value: String) -> String {
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\t": escaped += "\\t"
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// A pgvector literal that reads back to the same float32 values.
    static func vectorLiteral<C: Collection>(_ values: C) -> String where C.Element == Float {
        "[" + values.map { String(format: "%.9g", $0) }.joined(separator: ",") + "]"
    }
}
