import CLibPQ

/// One libpq connection. libpq calls block, so a connection belongs to one thread at a
/// time (the worker's dedicated thread, or the CLI's).
package final class PostgresConnection {
    let handle: OpaquePointer
    /// Statements prepared on this connection, by their SQL: each is parsed and planned
    /// once, not for every batch.
    private var preparedStatements: [String: String] = [:]
    /// The locks the current transaction took, by their place in a lock order (the store's
    /// `AdvisoryLock` keeps the order); empty outside `transaction`.
    package var transactionLocks = TransactionLocks()

    package struct TransactionLocks: Sendable {
        /// The latest place in the order reached.
        package var latestRank: Int?
        /// The keys taken at places before the latest, which may be taken again.
        package var keysByRank: [Int: Set<String>] = [:]
    }

    /// What every session gets unless `url` says otherwise (its own `keepalives_*`,
    /// `tcp_user_timeout` or `connect_timeout` replace these; its `options` come after
    /// `serverSettings`, so a `-c` of its own wins and the rest are kept):
    /// - TCP keepalives and `tcp_user_timeout` notice a peer that vanished from the network
    ///   within about half a minute rather than the kernel's two hours;
    /// - connecting gives up after 10 s.
    package static let sessionDefaults: [(keyword: String, value: String)] = [
        ("keepalives", "1"), ("keepalives_idle", "10"), ("keepalives_interval", "5"), ("keepalives_count", "3"),
        ("tcp_user_timeout", "30000"), ("connect_timeout", "10"),
    ]

    /// Settings of the server's side of every session, sent as `options`:
    /// - a session stopped inside a transaction (its process frozen, or partitioned away) is
    ///   ended by the server after 30 s, releasing its locks, so it stalls the others for at
    ///   most that long;
    /// - the server's own keepalives end a session whose client vanished from the network
    ///   within about half a minute, releasing its session locks (the client's keepalives
    ///   above only protect the client).
    /// No `statement_timeout` or `lock_timeout`: a reconciliation streams Shopify's pages
    /// into one COPY for minutes, and the shop locks are waited for by design.
    package static let serverSettings = [
        "idle_in_transaction_session_timeout=30s", "tcp_keepalives_idle=10", "tcp_keepalives_interval=5",
        "tcp_keepalives_count=3", "tcp_user_timeout=30000",
    ]

    /// - Parameter url: a libpq connection URI or key/value string (`DATABASE_URL`).
    package init(url: String) throws(PostgresError) {
        // libpq's own parse errors quote the offending part of the string, a password's
        // included (`invalid percent-encoded token: "Hunter2%Secret"`): check it first and
        // say only what is wrong.
        var parseError: UnsafeMutablePointer<CChar>?
        guard let parsed = PQconninfoParse(url, &parseError) else {
            if let parseError { PQfreemem(parseError) }
            throw .unreadableConnectionString
        }
        var ownOptions: String?
        var option = parsed
        while let keyword = option.pointee.keyword {
            if String(cString: keyword) == "options", let value = option.pointee.val { ownOptions = String(cString: value) }
            option += 1
        }
        PQconninfoFree(parsed)
        // The URL comes after the defaults, so that what it sets overrides them; the merged
        // options after the URL, as libpq keeps a keyword's last value.
        let options = (Self.serverSettings.map { "-c \($0)" } + [ownOptions].compactMap { $0 }).joined(separator: " ")
        let parameters = Self.sessionDefaults + [("dbname", url), ("options", options)]
        // Both lists end with a NULL, as libpq expects.
        let connected = Self.withCStrings(parameters.map { Array($0.keyword.utf8) } + [nil]) { keywords in
            Self.withCStrings(parameters.map { Array($0.value.utf8) } + [nil]) { values in
                PQconnectdbParams(keywords, values, 1)
            }
        }
        guard let handle = connected else { throw .connectionFailed("out of memory") }
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
    package var isUsable: Bool { PQstatus(handle) == CONNECTION_OK }

    /// Runs one statement with text parameters ($1, $2, …), as a prepared statement.
    @discardableResult
    package func query(_ sql: String, _ parameters: [PostgresParameter] = []) throws(PostgresError) -> PostgresRows {
        let name = try prepared(sql, parameterCount: parameters.count)
        let result = Self.withCStrings(parameters.map(\.bytes)) { values in
            PQexecPrepared(handle, name, Int32(values.count), values, nil, nil, 0)
        }
        return try rows(result)
    }

    private func prepared(_ sql: String, parameterCount: Int) throws(PostgresError) -> String {
        if let name = preparedStatements[sql] { return name }
        let name = "s\(preparedStatements.count)"
        let result = PQprepare(handle, name, sql, Int32(parameterCount), nil)
        _ = try rows(result)
        preparedStatements[sql] = name
        return name
    }

    private func rows(_ result: OpaquePointer?) throws(PostgresError) -> PostgresRows {
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

    static func failure(_ result: OpaquePointer, _ handle: OpaquePointer) -> PostgresError {
        let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) } ?? "XX000"
        let message = PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) }
            ?? errorText(handle)
        return .queryFailed(sqlState: state, message: message)
    }

    /// Runs a script of several statements without parameters: trusted SQL from the
    /// repository (migrations), never text that came from input.
    package func execute(script: String) throws(PostgresError) {
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

    /// Asks the server to end this session once it has sent nothing for `limit`
    /// (`idle_session_timeout`): a session that holds a session lock on behalf of a frozen
    /// process (SIGSTOP) lets it go then, where TCP keepalives, answered by the kernel,
    /// never would. The session's owner must speak more often than that.
    package func endWhenIdle(for limit: Duration) throws(PostgresError) {
        let milliseconds = limit.components.seconds * 1000 + limit.components.attoseconds / 1_000_000_000_000_000
        try query("SELECT set_config('idle_session_timeout', $1, false)", [.string("\(milliseconds)")])
    }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    package func transaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try query("BEGIN")
        transactionLocks = TransactionLocks()
        defer { transactionLocks = TransactionLocks() }
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

extension String {
    fileprivate func trimmingTrailingWhitespace() -> String {
        var text = Substring(self)
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return String(text)
    }
}
