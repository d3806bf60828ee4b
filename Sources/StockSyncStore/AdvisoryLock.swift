import StockSyncPostgres

/// Every advisory lock stocksync takes, in PostgreSQL's two-key form: the first key is the
/// namespace (this type's raw value), the second a hash of what is locked.
///
/// The lock order: session locks (`reconcileShop`, `pushShop`, `backfillShop`, `migrations`)
/// are taken outside any transaction lock; inside a transaction, orders before SKUs, each
/// set in key order. So no two transactions ever wait for each other in a circle.
/// `willTake(_:on:)` enforces the transaction part at run time.
package enum AdvisoryLock: Int, CaseIterable, Sendable {
    /// Session lock of `stocksync migrate`: one host migrates at a time.
    case migrations = 0
    // 1 was a lock per stock level, retired once every level write held its SKU's lock; never reuse it.
    /// Transaction lock of a SKU: its ERP levels, their ATS and its order lines' reservations.
    case sku = 2
    /// Session lock of the push-worker pushing a shop: one spends its API budget at a time.
    case pushShop = 3
    /// Session lock of a reconciliation run of a shop: runs of one shop wait for each other.
    case reconcileShop = 4
    /// Transaction lock of an order: its lines, reservations and incidents.
    case order = 5
    /// Session lock of the order backfill of a shop: one worker reads its orders back at a time.
    case backfillShop = 6
    /// Transaction lock of a shop's access token while it is refreshed: one refresh per
    /// expiry across every process and host. Taken alone, in a transaction of its own.
    case tokenRefresh = 7

    package var namespace: Int { rawValue }

    /// Where a transaction lock stands in the lock order; nil for session locks and for
    /// `tokenRefresh`, which no transaction takes with another.
    package var rank: Int? {
        switch self {
        case .order: 0
        case .sku: 1
        case .migrations, .pushShop, .reconcileShop, .backfillShop, .tokenRefresh: nil
        }
    }

    /// Call before taking these keys' locks of this kind in the connection's transaction:
    /// throws if the transaction holds a kind that comes later in the lock order, unless it
    /// holds these very locks already (taking a held lock again never waits).
    package func willTake(_ keys: some Collection<String>, on connection: PostgresConnection) throws(LockOrderViolation) {
        guard let rank else { return }
        var locks = connection.transactionLocks
        if let latest = locks.latestRank, latest > rank {
            guard locks.keysByRank[rank].map({ held in keys.allSatisfy(held.contains) }) == true else {
                throw LockOrderViolation(taking: self, holding: Self.allCases.first { $0.rank == latest } ?? self)
            }
            return
        }
        locks.latestRank = rank
        // Only kinds with a later kind after them can be asked for again out of turn.
        if rank < Self.lastRank { locks.keysByRank[rank, default: []].formUnion(keys) }
        connection.transactionLocks = locks
    }

    private static let lastRank = allCases.compactMap(\.rank).max() ?? 0

    /// Takes this session lock of `key` (by its `hashtext`) for the connection's session, if
    /// no other session holds it.
    package func trySessionLock(_ key: String, on connection: PostgresConnection) throws(PostgresError) -> Bool {
        try connection.query("SELECT pg_try_advisory_lock($1, hashtext($2))", [.int(namespace), .string(key)])
            .decode(0, as: Bool.self)
    }

    package func releaseSessionLock(_ key: String, on connection: PostgresConnection) throws(PostgresError) {
        try connection.query("SELECT pg_advisory_unlock($1, hashtext($2))", [.int(namespace), .string(key)])
    }
}

/// A transaction asked for a lock before one it already holds in the lock order
/// (`AdvisoryLock`): a bug, which could deadlock with another transaction if allowed.
package struct LockOrderViolation: Error, CustomStringConvertible {
    package let taking: AdvisoryLock
    package let holding: AdvisoryLock

    package var description: String {
        "lock order violated: \(taking) locks taken while holding \(holding) locks"
    }
}
