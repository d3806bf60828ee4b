import Dispatch
import Logging
import Metrics
import ServiceLifecycle

/// Publishes the reservation outbox to the reservation exchange: takes the oldest events
/// (`FOR UPDATE SKIP LOCKED`, so relays in several processes share the work), publishes
/// them with confirms, deletes them, commits. A crash between the confirm and the commit
/// publishes them again: at least once, with the same message id for the ERP to dedupe.
public final class OutboxRelay: Service, Sendable {
    private let amqpURL: AMQPURL
    private let databaseURL: String
    private let name: String
    private let poll: Duration
    private let logger: Logger
    private let stopSignal = StopSignal()
    private let wake = DispatchSemaphore(value: 0)
    private let published = Counter(label: "stocksync_reservation_events_published_total")
    static let batchSize = 500

    public init(amqpURL: AMQPURL, databaseURL: String, name: String, poll: Duration, logger: Logger) {
        self.amqpURL = amqpURL
        self.databaseURL = databaseURL
        self.name = name
        self.poll = poll
        self.logger = logger
    }

    /// Looks at the outbox now rather than at the next poll (after a commit that wrote to it).
    public func nudge() {
        wake.signal()
    }

    public func run() async throws {
        try await stopSignal.run { [self] in relayUntilStopped() }
    }

    private func relayUntilStopped() {
        var broker: AMQPConnection?
        var database: PostgresConnection?
        var backoff = Backoff()
        while !stopSignal.isRaised {
            do {
                let currentBroker = try broker ?? AMQPConnection(url: amqpURL, name: "\(name) outbox")
                if broker == nil {
                    try QueueTopology.declareReservations(on: currentBroker)
                    broker = currentBroker
                }
                let currentDatabase = try database ?? PostgresConnection(url: databaseURL)
                database = currentDatabase
                // A full batch means more may wait: go on without sleeping.
                if try relayBatch(broker: currentBroker, database: currentDatabase) < Self.batchSize {
                    _ = wake.wait(timeout: .now() + poll.seconds)
                }
                backoff.reset()
            } catch {
                broker = nil
                database = nil
                let wait = backoff.next()
                logger.error("outbox relay interrupted; retrying", metadata: ["error": "\(error)", "retry_in": "\(wait)"])
                stopSignal.pause(wait)
            }
        }
    }

    /// Returns how many events it published.
    private func relayBatch(broker: AMQPConnection, database: PostgresConnection) throws -> Int {
        try database.transaction { connection in
            let rows = try connection.query("""
                SELECT id, routing_key, message_id, (body::jsonb || jsonb_build_object('sequence', id))::text
                FROM reservation_outbox ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED
                """, [.int(Self.batchSize)])
            guard rows.count > 0 else { return 0 }
            let messages = (0..<rows.count).map { row in
                OutgoingMessage(exchange: QueueTopology.reservationExchange, routingKey: rows.string(row, 1)!,
                                messageID: rows.string(row, 2)!, body: Array(rows.string(row, 3)!.utf8))
            }
            try broker.publish(messages)
            try connection.query("DELETE FROM reservation_outbox WHERE id = ANY($1::bigint[])",
                                 [.ints((0..<rows.count).map { rows.int($0, 0)! })])
            published.increment(by: rows.count)
            return rows.count
        }
    }
}
