import StockSyncPostgres

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How each shop's orders arrive: `order_backfill` (how far its orders were read back from
/// the Admin API, how many were, and the lock that lets one worker read a shop at a time)
/// and `webhook_deliveries` (when each topic was last delivered).
package struct OrderBackfillStore {
    package let connection: PostgresConnection

    package init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// The shop's backfill session lock, if no other worker holds it.
    package func tryLock(shop: String) throws(PostgresError) -> Bool {
        try AdvisoryLock.backfillShop.trySessionLock(shop, on: connection)
    }

    package func unlock(shop: String) throws(PostgresError) {
        try AdvisoryLock.backfillShop.releaseSessionLock(shop, on: connection)
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

    /// `orders` were read back and published.
    package func recordReadBack(shop: String, orders: Int) throws(PostgresError) {
        try connection.query("""
            UPDATE order_backfill SET read_back_orders = read_back_orders + $2, read_back_at = now() WHERE shop = $1
            """, [.string(shop), .int(orders)])
    }

    /// Deliveries of these (shop, topic) pairs were applied now.
    package func recordDeliveries(_ deliveries: Set<WebhookTopicKey>) throws(PostgresError) {
        guard !deliveries.isEmpty else { return }
        let sorted = deliveries.sorted { ($0.shop, $0.topic) < ($1.shop, $1.topic) }
        try connection.query("""
            INSERT INTO webhook_deliveries (shop, topic, last_at)
            SELECT shop, topic, now() FROM unnest($1::text[], $2::text[]) AS d(shop, topic)
            WHERE EXISTS (SELECT 1 FROM shops s WHERE s.shop = d.shop)
            ON CONFLICT (shop, topic) DO UPDATE SET last_at = excluded.last_at
            """, [.strings(sorted.map(\.shop)), .strings(sorted.map(\.topic))])
    }

    /// The orders updated up to `time` are known (never moves back).
    package func advance(shop: String, to time: Date) throws(PostgresError) {
        try connection.query("""
            INSERT INTO order_backfill (shop, read_through) VALUES ($1, to_timestamp($2::float8))
            ON CONFLICT (shop) DO UPDATE SET read_through = greatest(order_backfill.read_through, excluded.read_through)
            """, [.string(shop), .string(time.timeIntervalSince1970.description)])
    }
}

package struct WebhookTopicKey: Sendable, Hashable {
    package var shop: String
    package var topic: String

    package init(shop: String, topic: String) {
        self.shop = shop
        self.topic = topic
    }
}
