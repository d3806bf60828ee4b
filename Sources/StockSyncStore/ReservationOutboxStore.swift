import StockSyncDomain
import StockSyncPostgres
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `reservation_outbox`: events written in the transaction of the change they announce, read
/// and cleared by the relay that publishes them.
package struct ReservationOutboxStore {
    package let connection: PostgresConnection

    package init(connection: PostgresConnection) {
        self.connection = connection
    }

    package struct Event: Sendable {
        package var id: Int
        package var routingKey: String
        package var messageID: String
        /// The event's JSON with its `sequence` (the outbox id) added.
        package var body: String
    }

    /// Writes events into the outbox; call in the transaction of the change they announce.
    package func enqueue(_ events: [ReservationEvent]) throws(PostgresError) {
        guard !events.isEmpty else { return }
        let ids = events.map { _ in UUID().uuidString.lowercased() }
        let now = Date()
        let bodies = zip(ids, events).map { id, event in ReservationEventBody(id: id, event: event, at: now).json }
        try connection.query("""
            INSERT INTO reservation_outbox (routing_key, message_id, body)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[])
            """, [.strings(events.map { "reservation.\($0.kind.rawValue)" }), .strings(ids), .strings(bodies)])
    }

    /// The oldest events no other relay holds, locked until the transaction ends
    /// (`SKIP LOCKED`, so relays in several processes share the work). Call in a transaction.
    package func takeOldest(limit: Int) throws(PostgresError) -> [Event] {
        let rows = try connection.query("""
            SELECT id, routing_key, message_id, (body::jsonb || jsonb_build_object('sequence', id))::text
            FROM reservation_outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED
            """, [.int(limit)])
        return try (0..<rows.count).map { row throws(PostgresError) in
            let (id, routingKey, messageID, body) = try rows.decode(row, as: (Int, String, String, String).self)
            return Event(id: id, routingKey: routingKey, messageID: messageID, body: body)
        }
    }

    package func delete(ids: [Int]) throws(PostgresError) {
        try connection.query("DELETE FROM reservation_outbox WHERE id = ANY($1::bigint[])", [.ints(ids)])
    }
}
