import Logging
import Metrics
import ServiceLifecycle


/// Consumes `stock-changed`: validates each delivery, applies the valid ones a batch at a
/// time (`StockBatchApplier`), dead-letters the rest with their reason, and acknowledges
/// the batch only once all of that is durable. Any number of copies may run.
public final class StockWorker: Service, Sendable {
    private let configuration: StockWorkerConfiguration
    private let logger: Logger
    private let stopSignal = StopSignal()
    private let queue = QueueTopology.stockChanged

    private let eventsApplied = Counter(label: "stocksync_stock_events_applied_total")
    private let deadLettered = Counter(label: "stocksync_dead_lettered_total",
                                       dimensions: [("queue", QueueTopology.stockChanged)])
    private let levelsChanged = Counter(label: "stocksync_stock_levels_changed_total")
    private let availabilityChanged = Counter(label: "stocksync_ats_changed_total")
    private let batchSize = Recorder(label: "stocksync_stock_batch_size")
    private let batchLatency = Timer(label: "stocksync_stock_batch_seconds")

    public init(configuration: StockWorkerConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs until a graceful shutdown: then finishes the batch in hand and returns.
    public func run() async throws {
        try await stopSignal.run { [self] in consumeUntilStopped() }
    }

    public func stop() {
        stopSignal.raise()
    }

    private var isStopping: Bool { stopSignal.isRaised }

    private func consumeUntilStopped() {
        logger.info("stock-worker started", metadata: [
            "worker": "\(configuration.workerName)", "broker": "\(configuration.amqpURL)",
            "batch_size": "\(configuration.batchSize)",
        ])
        var session: ConsumerSession?
        var backoff = Backoff()
        while !isStopping {
            do {
                let current = try session ?? ConsumerSession(
                    amqpURL: configuration.amqpURL, databaseURL: configuration.databaseURL,
                    workerName: configuration.workerName, queue: queue, prefetch: configuration.prefetch)
                if session == nil {
                    session = current
                    logger.info("connected", metadata: ["queue": "\(queue)"])
                }
                let deliveries = try current.consumer.nextBatch(
                    limit: configuration.batchSize, linger: configuration.batchLinger, idle: .milliseconds(250))
                guard !deliveries.isEmpty else { continue }
                try handle(deliveries, in: current)
                backoff.reset()
            } catch {
                session = nil
                let wait = backoff.next()
                logger.error("stock-worker interrupted; reconnecting", metadata: [
                    "error": "\(error)", "retry_in": "\(wait)",
                ])
                stopSignal.pause(wait)
            }
        }
        logger.info("stock-worker stopped")
    }

    private func handle(_ deliveries: [Delivery], in session: ConsumerSession) throws {
        let started = ContinuousClock.now
        var events: [StockEvent] = []
        var origins: [Delivery] = []
        var rejected: [OutgoingMessage] = []
        for delivery in deliveries {
            do {
                events.append(try StockChangedContract.decode(delivery.body))
                origins.append(delivery)
            } catch {
                rejected.append(deadLetter(delivery, reason: error.reason))
            }
        }
        let (outcome, refused) = try applyRetrying(events, in: session)
        for (index, error) in refused {
            rejected.append(deadLetter(origins[index], reason: "the database refused the event: \(error)"))
        }
        try session.publisher.publish(rejected)
        try session.consumer.ack(deliveries[deliveries.count - 1].deliveryTag, multiple: true)

        eventsApplied.increment(by: outcome.events)
        deadLettered.increment(by: rejected.count)
        levelsChanged.increment(by: outcome.levelsChanged)
        availabilityChanged.increment(by: outcome.availabilityChanged)
        batchSize.record(deliveries.count)
        batchLatency.record(duration: ContinuousClock.now - started)
        for message in rejected {
            logger.warning("dead-lettered", metadata: [
                "message_id": "\(message.messageID ?? "-")",
                "reason": "\(message.headers.first { $0.0 == QueueTopology.DeadLetterHeader.reason }?.1 ?? "")",
            ])
        }
        logger.debug("batch applied", metadata: [
            "deliveries": "\(deliveries.count)", "levels_changed": "\(outcome.levelsChanged)",
            "ats_changed": "\(outcome.availabilityChanged)",
        ])
    }

    private func deadLetter(_ delivery: Delivery, reason: String) -> OutgoingMessage {
        DeadLetter.message(for: delivery, from: queue, reason: reason, worker: configuration.workerName)
    }

    /// Applies the batch, waiting out database outages with the batch in hand (so a long
    /// outage does not spend the messages' delivery limit). Returns the events the database
    /// refused as data, by index.
    private func applyRetrying(_ events: [StockEvent], in session: ConsumerSession) throws
        -> (StockBatchOutcome, [(Int, StoreError)])
    {
        var backoff = Backoff()
        while true {
            do {
                if !session.database.isUsable {
                    session.database = try PostgresConnection(url: configuration.databaseURL)
                }
                return try applyIsolatingRefusals(events[...], on: session.database)
            } catch let error as StoreError where error.isRetriable && !isStopping {
                let wait = backoff.next()
                logger.warning("database unavailable; retrying the batch", metadata: [
                    "error": "\(error)", "retry_in": "\(wait)",
                ])
                try session.consumer.sendHeartbeat()
                stopSignal.pause(wait)
            }
        }
    }

    /// One transaction for the batch; if the database refuses the data, halves until the
    /// refused events stand alone, so one bad event never holds back its batch-mates.
    private func applyIsolatingRefusals(_ events: ArraySlice<StockEvent>, on database: PostgresConnection) throws
        -> (StockBatchOutcome, [(Int, StoreError)])
    {
        do {
            return (try StockBatchApplier(connection: database).apply(Array(events)), [])
        } catch let error as StoreError where error.isDataError {
            if events.count == 1 { return (StockBatchOutcome(), [(events.startIndex, error)]) }
            let middle = events.startIndex + events.count / 2
            let first = try applyIsolatingRefusals(events[..<middle], on: database)
            let second = try applyIsolatingRefusals(events[middle...], on: database)
            return (first.0 + second.0, first.1 + second.1)
        }
    }
}
