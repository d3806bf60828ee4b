import Logging
import StockSyncAMQP
import StockSyncPostgres
import StockSyncRuntime

/// The consuming life the batch workers share: connect (again after any failure, with
/// backoff), take batches from the queue, and hand each to the worker, which applies it,
/// dead-letters what it cannot use and acknowledges; runs on the caller's dedicated thread
/// until the stop signal is raised.
struct BatchConsumer {
    var configuration: ConsumerConfiguration
    var queue: String
    var logger: Logger
    var stopSignal: StopSignal

    private var workerName: String { configuration.workerName }
    private var databaseURL: String { configuration.databaseURL }

    /// `handle` throwing discards the session: RabbitMQ redelivers what was not acknowledged.
    func run(_ handle: ([Delivery], ConsumerSession) throws -> Void) {
        logger.info("worker started", metadata: [
            "worker": "\(workerName)", "broker": "\(configuration.amqpURL)", "queue": "\(queue)",
            "batch_size": "\(configuration.batchSize)",
        ])
        SessionLoop<ConsumerSession>(what: "consumer", stopSignal: stopSignal, logger: logger).run {
            let session = try ConsumerSession(amqpURL: configuration.amqpURL, databaseURL: databaseURL,
                                              workerName: workerName, queue: queue, prefetch: configuration.prefetch)
            logger.info("connected", metadata: ["queue": "\(queue)"])
            return session
        } _: { session in
            let deliveries = try session.consumer.nextBatch(limit: configuration.batchSize, linger: configuration.batchLinger,
                                                             idle: .milliseconds(250))
            if !deliveries.isEmpty { try handle(deliveries, session) }
        }
        logger.info("worker stopped")
    }

    /// Runs `body` on the session's database, waiting out outages with the batch in hand
    /// (so that a long outage does not spend the messages' delivery limit).
    func retryingDatabase<T>(in session: ConsumerSession, _ body: (PostgresConnection) throws -> T) throws -> T {
        try retryingTransientFailures(
            logging: "database unavailable; retrying the batch", stopSignal: stopSignal, logger: logger,
            isTransient: { ($0 as? PostgresError)?.isRetriable == true }
        ) {
            if !session.database.isUsable {
                session.database = try PostgresConnection(url: databaseURL)
            }
            return try body(session.database)
        }
    }

    func deadLetter(_ delivery: Delivery, reason: String) -> OutgoingMessage {
        DeadLetter.message(for: delivery, from: queue, reason: reason, worker: workerName)
    }

    /// Publishes the dead letters (confirmed), then acknowledges the whole batch at once.
    func finish(_ deliveries: [Delivery], deadLetters: [OutgoingMessage], in session: ConsumerSession) throws {
        try session.publisher.publish(deadLetters)
        try session.consumer.ack(deliveries[deliveries.count - 1].deliveryTag, multiple: true)
        for message in deadLetters {
            logger.warning("dead-lettered", metadata: [
                "message_id": "\(message.messageID ?? "-")",
                "reason": "\(message.properties.headers[QueueTopology.DeadLetterHeader.reason]?.text ?? "")",
            ])
        }
    }
}

/// Applies a batch in one transaction; if that fails for a reason some item may be alone in
/// (the database refusing its input, `PostgresError.isRefusalOfInput`: data refused, a
/// constraint, a trigger's exception; or an error of the code's own that one message's shape
/// reaches), halves until the failing items stand alone, so one bad item never takes its
/// batch-mates with it. Any other database error (the server's, or the deployment's, such
/// as a column missing before `migrate`) keeps the batch whole and is thrown. Returns the outcomes of
/// what applied and the refused items by index. When every item of a batch of several fails
/// alone, the fault is no one item's: the first error is thrown, and the batch is retried
/// like any failure rather than dead-lettered whole.
package func applyIsolatingRefusals<Item, Outcome>(
    _ items: ArraySlice<Item>, combine: (Outcome, Outcome) -> Outcome, empty: Outcome,
    apply: ([Item]) throws -> Outcome
) throws -> (Outcome, [(Int, any Error)]) {
    let (outcome, refused) = try isolatingRefusals(items, combine: combine, empty: empty, apply: apply)
    if items.count > 1, refused.count == items.count { throw refused[0].1 }
    return (outcome, refused)
}

private func isolatingRefusals<Item, Outcome>(
    _ items: ArraySlice<Item>, combine: (Outcome, Outcome) -> Outcome, empty: Outcome,
    apply: ([Item]) throws -> Outcome
) throws -> (Outcome, [(Int, any Error)]) {
    do {
        return (try apply(Array(items)), [])
    } catch where (error as? PostgresError).map(\.isRefusalOfInput) ?? true {
        if items.count == 1 { return (empty, [(items.startIndex, error)]) }
        let middle = items.startIndex + items.count / 2
        let first = try isolatingRefusals(items[..<middle], combine: combine, empty: empty, apply: apply)
        let second = try isolatingRefusals(items[middle...], combine: combine, empty: empty, apply: apply)
        return (combine(first.0, second.0), first.1 + second.1)
    }
}
