/// A PostgreSQL failure. Its text carries the server's message and SQLSTATE, never the
/// connection string (which holds the password).
package struct PostgresError: Error, CustomStringConvertible, Sendable {
    private enum Kind: Sendable {
        case unreadableConnectionString
        case connectionFailed(String)
        case connectionLost(String)
        case queryFailed(sqlState: String, message: String)
        case unexpectedResult(String)
        case columnCountMismatch(expected: Int, actual: Int)
        case unexpectedNull(column: String, swiftType: String)
        case typeMismatch(column: String, swiftType: String, postgresType: UInt32)
    }

    private let kind: Kind

    static let unreadableConnectionString = PostgresError(kind: .unreadableConnectionString)
    static func connectionFailed(_ message: String) -> PostgresError { PostgresError(kind: .connectionFailed(message)) }
    static func connectionLost(_ message: String) -> PostgresError { PostgresError(kind: .connectionLost(message)) }
    static func queryFailed(sqlState: String, message: String) -> PostgresError {
        PostgresError(kind: .queryFailed(sqlState: sqlState, message: message))
    }
    static func unexpectedResult(_ message: String) -> PostgresError { PostgresError(kind: .unexpectedResult(message)) }
    static func columnCountMismatch(expected: Int, actual: Int) -> PostgresError {
        PostgresError(kind: .columnCountMismatch(expected: expected, actual: actual))
    }
    static func unexpectedNull(column: String, swiftType: String) -> PostgresError {
        PostgresError(kind: .unexpectedNull(column: column, swiftType: swiftType))
    }
    static func typeMismatch(column: String, swiftType: String, postgresType: UInt32) -> PostgresError {
        PostgresError(kind: .typeMismatch(column: column, swiftType: swiftType, postgresType: postgresType))
    }

    /// The column a row could not be decoded at (`PostgresRows.decode`): the query and the
    /// code reading it disagree.
    package var column: String? {
        switch kind {
        case .unexpectedNull(let column, _), .typeMismatch(let column, _, _): return column
        default: return nil
        }
    }

    /// The SQLSTATE the server answered with, if it answered.
    package var sqlState: String? {
        if case .queryFailed(let state, _) = kind { return state }
        return nil
    }

    /// Trying again later (on a new connection if this one broke) can succeed.
    package var isRetriable: Bool {
        switch kind {
        case .connectionFailed, .connectionLost: return true
        case .unreadableConnectionString, .unexpectedResult, .columnCountMismatch, .unexpectedNull, .typeMismatch:
            return false
        case .queryFailed(let state, _):
            // 08 connection, 40 serialization/deadlock, 53 resources, 57 operator intervention
            // (statement timeout, shutdown), 58 system; and states of the server rather than of
            // the statement: 55P03 lock timeout, 25006 read-only (a standby after a failover),
            // 42P01 a relation missing (before `migrate`).
            return ["08", "40", "53", "57", "58"].contains(String(state.prefix(2)))
                || ["55P03", "25006", "42P01"].contains(state)
        }
    }

    /// The server refused what the statement was given rather than the statement: a data
    /// exception (class 22), a constraint (23), a program limit such as an over-long index row
    /// (54) or a function's raised exception (P0). Trying the same input again fails again; other
    /// input may pass. Anything else (a missing column, a refused grant) is the deployment's.
    package var isRefusalOfInput: Bool {
        guard let state = sqlState else { return false }
        return ["22", "23", "54", "P0"].contains(String(state.prefix(2)))
    }

    package var description: String {
        switch kind {
        case .unreadableConnectionString:
            return "cannot connect to PostgreSQL: the connection string cannot be read (a bad percent-escape, "
                + "an unknown parameter or a quoting mistake); it is not repeated here, as it holds the password"
        case .connectionFailed(let message): return "cannot connect to PostgreSQL: \(message)"
        case .connectionLost(let message): return "PostgreSQL connection lost: \(message)"
        case .queryFailed(let state, let message): return "PostgreSQL error \(state): \(message)"
        case .unexpectedResult(let message): return "unexpected PostgreSQL result: \(message)"
        case .columnCountMismatch(let expected, let actual):
            return "unexpected PostgreSQL result: \(actual) columns where \(expected) were read"
        case .unexpectedNull(let column, let swiftType):
            return "unexpected PostgreSQL result: column \(column) is NULL, read as \(swiftType)"
        case .typeMismatch(let column, let swiftType, let postgresType):
            return "unexpected PostgreSQL result: column \(column) (type oid \(postgresType)) does not read as \(swiftType)"
        }
    }
}
