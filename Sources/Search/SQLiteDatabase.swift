import CSQLite
import Foundation

/// A minimal SQLite connection: statements with text and integer parameters, rows read by column.
///
/// One connection is used from one thread at a time; the catalogue is read whole into memory at open.
final class SQLiteDatabase {
    private var handle: OpaquePointer?
    let path: String

    /// Opens the database file: read-only, or for writing (created when missing, with `create`).
    init(path: String, readOnly: Bool, create: Bool = true) throws(SearchError) {
        self.path = path
        // NOMUTEX: a connection is used by one thread at a time, so SQLite need not lock around every column read
        // (a tenth of reading a million-row catalogue).
        let flags = (readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0))) | SQLITE_OPEN_NOMUTEX
        guard sqlite3_open_v2(path, &handle, flags, nil) == SQLITE_OK else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(handle)
            handle = nil
            throw SearchError("\(path): \(message)")
        }
        // Another process may be committing: wait for it rather than fail at once.
        sqlite3_busy_timeout(handle, 10_000)
        if !readOnly {
            // A commit returns only once it is on disk: the catalogue is the index's commit point.
            try execute("PRAGMA synchronous = FULL")
        }
    }

    deinit { sqlite3_close(handle) }

    /// Runs SQL without results (several statements allowed).
    func execute(_ sql: String) throws(SearchError) {
        var message: UnsafeMutablePointer<CChar>?
        guard sqlite3_exec(handle, sql, nil, nil, &message) == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? "error"
            sqlite3_free(message)
            throw SearchError("\(path): \(text)")
        }
    }

    /// Runs `body` inside one transaction: committed when it returns, rolled back when it throws.
    func transaction(_ body: () throws(SearchError) -> Void) throws(SearchError) {
        try execute("BEGIN IMMEDIATE")
        do {
            try body()
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
        try execute("COMMIT")
    }

    /// Runs `sql` once per parameter row (inside the caller's transaction, if any).
    func run(_ sql: String, rows: [[SQLiteValue]]) throws(SearchError) {
        let statement = try prepare(sql)
        defer { sqlite3_finalize(statement) }
        for row in rows {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
            for (index, value) in row.enumerated() { bind(value, at: Int32(index + 1), in: statement) }
            guard sqlite3_step(statement) == SQLITE_DONE else { throw error() }
        }
    }

    /// Every row of a query, each as its columns' text (NULL as nil).
    func rows(_ sql: String) throws(SearchError) -> [[String?]] {
        var result: [[String?]] = []
        try forEachRow(sql) { row in result.append((0..<row.columns).map { row.text($0) }) }
        return result
    }

    /// Calls `body` with each row of a query in turn, without collecting them: a million-row catalogue is read
    /// straight into its own storage instead of through a million arrays of strings.
    func forEachRow(_ sql: String, _ body: (SQLiteRow) throws(SearchError) -> Void) throws(SearchError) {
        let statement = try prepare(sql)
        defer { sqlite3_finalize(statement) }
        while true {
            let status = sqlite3_step(statement)
            if status == SQLITE_DONE { break }
            guard status == SQLITE_ROW else { throw error() }
            try body(SQLiteRow(statement: statement))
        }
    }

    private func prepare(_ sql: String) throws(SearchError) -> OpaquePointer? {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK else { throw error() }
        return statement
    }

    private func bind(_ value: SQLiteValue, at index: Int32, in statement: OpaquePointer?) {
        // SQLITE_TRANSIENT: SQLite copies the text before the Swift string goes away.
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        switch value {
        case .text(let text): sqlite3_bind_text(statement, index, text, -1, transient)
        case .integer(let number): sqlite3_bind_int64(statement, index, sqlite3_int64(number))
        case .real(let number): sqlite3_bind_double(statement, index, number)
        case .null: sqlite3_bind_null(statement, index)
        }
    }

    private func error() -> SearchError { SearchError("\(path): \(String(cString: sqlite3_errmsg(handle)))") }
}

/// A parameter of an SQLite statement.
enum SQLiteValue {
    case text(String)
    case integer(Int)
    case real(Double)
    case null
}

/// The current row of a statement being stepped (valid only inside ``SQLiteDatabase/forEachRow(_:_:)``'s body).
struct SQLiteRow {
    fileprivate let statement: OpaquePointer?

    /// A column as text (NULL as nil); bytes that are not UTF-8 are repaired.
    func text(_ column: Int32) -> String? {
        guard let bytes = sqlite3_column_text(statement, column) else { return nil }
        return String(decoding: UnsafeBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(statement, column))), as: UTF8.self)
    }

    /// A column as an integer (NULL and text that is not a number as 0, SQLite's own conversion).
    func integer(_ column: Int32) -> Int { Int(sqlite3_column_int64(statement, column)) }

    /// The number of columns.
    var columns: Int32 { sqlite3_column_count(statement) }

    /// Whether a column is NULL.
    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement, column) == SQLITE_NULL }
}
