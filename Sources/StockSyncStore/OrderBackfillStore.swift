import StockSyncPostgres

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The `order_backfill` table: per shop, how far its orders were read back from the Admin
/// API, and the lock that lets one worker read a shop at a time.
package struct OrderBackfillStore {
    package let connection: PostgresConnection

    package init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// The shop's backfill session lock, if no other worker holds it.
    package func tryLock(shop: String) throws(PostgresError) -> Bool {
        try connection.query("SELECT pg_try_advisory_lock($1, hashtext($2))",
                             [.int(AdvisoryLock.backfillShop.namespace), .string(shop)]).decode(0, as: Bool.self)
    }

    package func unlock(shop: String) throws(PostgresError) {
        try connection.query("SELECT pg_advisory_unlock($1, hashtext($2))", [.int(AdvisoryLock.backfillShop.namespace), .string(shop)])
    }

    /// Every order updated up to this time is known; a shop never read back starts from when
    /// it was connected (or now, for a shop connected before connections were dated).
    package func readThrough(shop: String) throws(PostgresError) -> Date {
        let seconds = try connection.query("""
            SELECT extract(epoch FROM coalesce(b.read_through, s.connected_at, now()))::float8
            FROM shops s LEFT JOIN order_backfill b USING (shop) WHERE s.shop = $1
            """, [.string(shop)])
        return Date(timeIntervalSince1970: seconds.count == 1 ? try seconds.decode(0, as: Double.self) : Date().timeIntervalSince1970)
    }

    /// The orders updated up to `time` are known (never moves back).
    package func advance(shop: String, to time: Date) throws(PostgresError) {
        try connection.query("""
            INSERT INTO order_backfill (shop, read_through) VALUES ($1, to_timestamp($2::float8))
            ON CONFLICT (shop) DO UPDATE SET read_through = greatest(order_backfill.read_through, excluded.read_through)
            """, [.string(shop), .string(time.timeIntervalSince1970.description)])
    }
}
