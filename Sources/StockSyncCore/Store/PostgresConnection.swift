import CLibPQ

/// One libpq connection. libpq calls block, so a connection belongs to one thread at a
/// time (the worker's dedicated thread, or the CLI's).
public final class PostgresConnection {
    let handle: OpaquePointer
    /// Statements prepared on this connection, by their SQL: each is parsed and planned
    /// once, not for every batch.
    private var preparedStatements: [String: String] = [:]

    /// - Parameter url: a libpq connection URI or key/value string (`DATABASE_URL`).
    public init(url: String) throws(StoreError) {
        guard let handle = PQconnectdb(url) else { throw .connectionFailed("out of memory") }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = Self.errorText(handle)
            PQfinish(handle)
            throw .connectionFailed(message)
        }
        self.handle = handle
        // libpq prints server notices to stderr by default; nothing we run needs them.
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
    }

    deinit {
        PQfinish(handle)
    }

    /// False once the server or network dropped the connection.
    public var isUsable: Bool { PQstatus(handle) == CONNECTION_OK }

    /// Runs one statement with text parameters ($1, $2, …), as a prepared statement.
    @discardableResult
    public func query(_ sql: String, _ parameters: [PostgresParameter] = []) throws(StoreError) -> PostgresRows {
        let name = try prepared(sql, parameterCount: parameters.count)
        let result = Self.withCStrings(parameters.map(\.bytes)) { values in
            PQexecPrepared(handle, name, Int32(values.count), values, nil, nil, 0)
        }
        return try rows(result)
    }

    private func prepared(_ sql: String, parameterCount: Int) throws(StoreError) -> String {
        if let name = preparedStatements[sql] { return name }
        let name = "s\(preparedStatements.count)"
        let result = PQprepare(handle, name, sql, Int32(parameterCount), nil)
        _ = try rows(result)
        preparedStatements[sql] = name
        return name
    }

    private func rows(_ result: OpaquePointer?) throws(StoreError) -> PostgresRows {
        guard let result else {
            throw isUsable ? .unexpectedResult("no result: \(Self.errorText(handle))")
                           : .connectionLost(Self.errorText(handle))
        }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK:
            return PostgresRows(result)
        default:
            defer { PQclear(result) }
            if !isUsable { throw .connectionLost(Self.errorText(handle)) }
            throw Self.failure(result, handle)
        }
    }

    static func failure(_ result: OpaquePointer, _ handle: OpaquePointer) -> StoreError {
        let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) } ?? "XX000"
        let message = PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) }
            ?? errorText(handle)
        return .queryFailed(sqlState: state, message: message)
    }

    /// Runs a script of several statements without parameters: trusted SQL from the
    /// repository (migrations), never text that came from input.
    public func execute(script: String) throws(StoreError) {
        guard let result = PQexec(handle, script) else { throw .connectionLost(Self.errorText(handle)) }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return
        default:
            if !isUsable { throw .connectionLost(Self.errorText(handle)) }
            throw Self.failure(result, handle)
        }
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    public func transaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try query("BEGIN")
        do {
            let value = try body(self)
            try query("COMMIT")
            return value
        } catch {
            if isUsable { _ = try? query("ROLLBACK") }
            throw error
        }
    }

    var errorText: String { Self.errorText(handle) }

    private static func errorText(_ handle: OpaquePointer) -> String {
        guard let text = PQerrorMessage(handle) else { return "unknown error" }
        return String(cString: text).trimmingTrailingWhitespace()
    }

    /// Lays the parameters out in one NUL-separated buffer and passes libpq a pointer to each.
    private static func withCStrings<R>(_ values: [[UInt8]?], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(values.reduce(0) { $0 + ($1?.count ?? 0) + 1 })
        var offsets: [Int?] = []
        offsets.reserveCapacity(values.count)
        for value in values {
            guard let value else {
                offsets.append(nil)
                continue
            }
            offsets.append(buffer.count)
            buffer.append(contentsOf: value)
            buffer.append(0)
        }
        return buffer.withUnsafeBufferPointer { storage in
            storage.withMemoryRebound(to: CChar.self) { characters in
                body(offsets.map { offset in offset.map { characters.baseAddress! + $0 } })
            }
        }
    }
}

/// The rows of one result; values in PostgreSQL's text format.
public final class PostgresRows {
    private let result: OpaquePointer
    public let count: Int

    init(_ result: OpaquePointer) {
        self.result = result
        self.count = Int(PQntuples(result))
    }

    deinit {
        PQclear(result)
    }

    public func isNull(_ row: Int, _ column: Int) -> Bool {
        PQgetisnull(result, Int32(row), Int32(column)) == 1
    }

    public func string(_ row: Int, _ column: Int) -> String? {
        isNull(row, column) ? nil : String(cString: PQgetvalue(result, Int32(row), Int32(column)))
    }

    public func int(_ row: Int, _ column: Int) -> Int? {
        guard !isNull(row, column), let text = PQgetvalue(result, Int32(row), Int32(column)) else { return nil }
        // Parsed in place: this runs for every quantity of every batch.
        var pointer = text
        let negative = pointer.pointee == CChar(UInt8(ascii: "-"))
        if negative { pointer += 1 }
        var value = 0
        while pointer.pointee != 0 {
            value = value &* 10 &+ Int(pointer.pointee) - Int(UInt8(ascii: "0"))
            pointer += 1
        }
        return negative ? -value : value
    }

    public func double(_ row: Int, _ column: Int) -> Double? {
        string(row, column).flatMap { Double($0) }
    }

    public func bool(_ row: Int, _ column: Int) -> Bool? {
        isNull(row, column) ? nil : PQgetvalue(result, Int32(row), Int32(column)).pointee == CChar(UInt8(ascii: "t"))
    }
}

extension String {
    fileprivate func trimmingTrailingWhitespace() -> String {
        var text = Substring(self)
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return String(text)
    }
}
