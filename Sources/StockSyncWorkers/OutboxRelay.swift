import Dispatch
import Logging
import Metrics
import ServiceLifecycle
import StockSyncAMQP
import StockSyncPostgres
import StockSyncRuntime
import StockSyncStore

/// Publishes the reservation outbox to the reservation exchange: takes the oldest events
/// (`FOR UPDATE SKIP LOCKED`, so relays in several processes share the work), publishes
/// them with confirms, deletes them, commits. A crash between the confirm and the commit
/// publishes them again: at least once, with the same message id for the ERP to dedupe.
package final class OutboxRelay: LoopService {
    private let amqpURL: AMQPURL
    private let databaseURL: String
    private let name: String
    private let poll: Duration
    private let logger: Logger
    package let stopSignal = StopSignal()
    private let wake = DispatchSemaphore(value: 0)
    private let published = Counter(label: "stocksync_reservation_events_published_total")
    static let batchSize = 500

    package init(amqpURL: AMQPURL, databaseURL: String, name: String, poll: Duration, logger: Logger) {
        self.amqpURL = amqpURL
        self.databaseURL = databaseURL
        self.name = name
        self.poll = poll
        self.logger = logger
    }

    /// Looks at the outbox now rather than at the next poll (after a commit that wrote to it).
    package func nudge() {
        wake.signal()
    }

    package func runUntilStopped() {
        SessionLoop<(broker: AMQPConnection, database: PostgresConnection)>(
            what: "outbox relay", stopSignal: stopSignal, logger: logger
        ).run {
            let broker = try AMQPConnection(url: amqpURL, name: "\(name) outbox")
            try QueueTopology.declareReservations(on: broker)
            return (broker, try PostgresConnection(url: databaseURL))
        } _: { session in
            // A full batch means more may wait: go on without sleeping.
            if try relayBatch(broker: session.broker, database: session.database) < Self.batchSize {
                _ = wake.wait(timeout: .now() + poll.seconds)
            }
        }
    }

    /// Returns how many events it published.
    private func relayBatch(broker: AMQPConnection, database: PostgresConnection) throws -> Int {
        try database.transaction { connection in
            let outbox = ReservationOutboxStore(connection: connection)
            let events = try outbox.takeOldest(limit: Self.batchSize)
            guard !events.isEmpty else { return 0 }
            try broker.publish(events.map { event in
                OutgoingMessage(exchange: QueueTopology.reservationExchange, routingKey: event.routingKey,
                                messageID: event.messageID, body: Array(event.body.utf8))
            })
            try outbox.delete(ids: events.map(\.id))
            published.increment(by: events.count)
            return events.count
        }
    }
}
