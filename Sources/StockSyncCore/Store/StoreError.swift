/// A PostgreSQL failure. Its text carries the server's message and SQLSTATE, never the
/// connection string (which holds the password).
public struct StoreError: Error, CustomStringConvertible, Sendable {
    private enum Kind: Sendable {
        case connectionFailed(String)
        case connectionLost(String)
        case queryFailed(sqlState: String, message: String)
        case unexpectedResult(String)
    }

    private let kind: Kind

    static func connectionFailed(_ message: String) -> StoreError { StoreError(kind: .connectionFailed(message)) }
    static func connectionLost(_ message: String) -> StoreError { StoreError(kind: .connectionLost(message)) }
    static func queryFailed(sqlState: String, message: String) -> StoreError {
        StoreError(kind: .queryFailed(sqlState: sqlState, message: message))
    }
    static func unexpectedResult(_ message: String) -> StoreError { StoreError(kind: .unexpectedResult(message)) }

    /// The SQLSTATE the server answered with, if it answered.
    public var sqlState: String? {
        if case .queryFailed(let state, _) = kind { return state }
        return nil
    }

    /// Trying again later (on a new connection if this one broke) can succeed.
    public var isRetriable: Bool {
        switch kind {
        case .connectionFailed, .connectionLost: return true
        case .unexpectedResult: return false
        case .queryFailed(let state, _):
            // 08 connection, 40 serialization/deadlock, 53 resources, 57 operator intervention, 58 system.
            return ["08", "40", "53", "57", "58"].contains(String(state.prefix(2)))
        }
    }

    /// The server refused the data itself (class 22 data exception, 23 integrity): retrying
    /// the same input fails the same way.
    public var isDataError: Bool {
        guard let prefix = sqlState?.prefix(2) else { return false }
        return prefix == "22" || prefix == "23"
    }

    public var description: String {
        switch kind {
        case .connectionFailed(let message): return "cannot connect to PostgreSQL: \(message)"
        case .connectionLost(let message): return "PostgreSQL connection lost: \(message)"
        case .queryFailed(let state, let message): return "PostgreSQL error \(state): \(message)"
        case .unexpectedResult(let message): return "unexpected PostgreSQL result: \(message)"
        }
    }
}
