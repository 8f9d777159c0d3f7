import CSQLite
import Foundation

/// An error SQLite reported: its result code and message, plus what we were doing.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let message: String
    public let context: String

    public var description: String { "SQLite \(code) while \(context): \(message)" }
}

/// One open SQLite connection. Owns the `sqlite3*` and closes it in `deinit`.
///
/// Not `Sendable`: a connection is used by one owner at a time (the index that wraps it is held
/// by an actor in the API and the worker). SQLite is built serialized on Debian, but sharing one
/// connection across tasks would interleave transactions, which is the real hazard.
final class SQLiteDatabase {
    private let handle: OpaquePointer

    /// Opens (creating if absent) the database file at `path`.
    init(path: String) throws {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: rc, message: message, context: "opening \(path)")
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements that take no parameters and return no rows.
    func execute(_ sql: String) throws {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        if rc != SQLITE_OK {
            let message = errorMessage.map { String(cString: $0) } ?? lastMessage
            sqlite3_free(errorMessage)
            throw SQLiteError(code: rc, message: message, context: "executing \(sql.prefix(60))")
        }
    }

    func prepare(_ sql: String) throws -> SQLiteStatement {
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard rc == SQLITE_OK, let statement else {
            throw SQLiteError(code: rc, message: lastMessage, context: "preparing \(sql.prefix(60))")
        }
        return SQLiteStatement(statement: statement, database: self)
    }

    /// Runs `body` inside one transaction; rolls back if it throws.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    var lastMessage: String { String(cString: sqlite3_errmsg(handle)) }
}

/// One prepared statement. Owns the `sqlite3_stmt*` and finalizes it in `deinit`; keeps its
/// database alive so the statement never outlives the connection.
final class SQLiteStatement {
    private let statement: OpaquePointer
    private let database: SQLiteDatabase

    fileprivate init(statement: OpaquePointer, database: SQLiteDatabase) {
        self.statement = statement
        self.database = database
    }

    deinit {
        sqlite3_finalize(statement)
    }

    enum Value {
        case text(String)
        case double(Double)
        case integer(Int64)
        case null
    }

    /// Clears earlier bindings and binds `values` to `?1`, `?2`, ... in order.
    func bind(_ values: [Value]) throws {
        sqlite3_reset(statement)
        sqlite3_clear_bindings(statement)
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let rc: Int32
            switch value {
            case .text(let text): rc = sqlite3_bind_text(statement, index, text, -1, lectern_sqlite_transient())
            case .double(let number): rc = sqlite3_bind_double(statement, index, number)
            case .integer(let number): rc = sqlite3_bind_int64(statement, index, number)
            case .null: rc = sqlite3_bind_null(statement, index)
            }
            guard rc == SQLITE_OK else {
                throw SQLiteError(code: rc, message: database.lastMessage, context: "binding parameter \(index)")
            }
        }
    }

    /// Advances to the next row; `false` when the statement is done.
    func step() throws -> Bool {
        let rc = sqlite3_step(statement)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw SQLiteError(code: rc, message: database.lastMessage, context: "stepping a statement")
        }
    }

    /// Binds, then steps to completion (for statements that return no rows).
    func run(_ values: [Value]) throws {
        try bind(values)
        while try step() {}
    }

    func text(_ column: Int32) -> String {
        guard let bytes = sqlite3_column_text(statement, column) else { return "" }
        return String(cString: bytes)
    }

    func double(_ column: Int32) -> Double { sqlite3_column_double(statement, column) }
    func integer(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }
}
