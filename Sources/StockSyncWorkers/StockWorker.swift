import Logging
import Metrics
import ServiceLifecycle
import StockSyncAMQP
import StockSyncDomain
import StockSyncRuntime

/// Consumes `stock-changed`: validates each delivery, applies the valid ones a batch at a
/// time (`StockBatchApplier`), dead-letters the rest with their reason, and acknowledges
/// the batch only once all of that is durable. Any number of copies may run.
package final class StockWorker: LoopService {
    private let configuration: StockWorkerConfiguration
    private let logger: Logger
    package let stopSignal = StopSignal()
    private let queue = QueueTopology.stockChanged

    private let eventsApplied = Counter(label: "stocksync_stock_events_applied_total")
    private let deadLettered = Counter(label: "stocksync_dead_lettered_total",
                                       dimensions: [("queue", QueueTopology.stockChanged)])
    private let levelsChanged = Counter(label: "stocksync_stock_levels_changed_total")
    private let availabilityChanged = Counter(label: "stocksync_ats_changed_total")
    private let batchSize = Recorder(label: "stocksync_stock_batch_size")
    private let batchLatency = Timer(label: "stocksync_stock_batch_seconds")

    package init(configuration: StockWorkerConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    private var consumer: BatchConsumer {
        BatchConsumer(configuration: configuration.consumer, queue: queue, logger: logger, stopSignal: stopSignal)
    }

    package func runUntilStopped() {
        let consumer = self.consumer
        consumer.run { deliveries, session in try handle(deliveries, in: session, consumer: consumer) }
    }

    private func handle(_ deliveries: [Delivery], in session: ConsumerSession, consumer: BatchConsumer) throws {
        let started = ContinuousClock.now
        var events: [StockEvent] = []
        var origins: [Delivery] = []
        var rejected: [OutgoingMessage] = []
        for delivery in deliveries {
            do {
                events.append(try StockChangedContract.decode(delivery.body))
                origins.append(delivery)
            } catch {
                rejected.append(consumer.deadLetter(delivery, reason: error.reason))
            }
        }
        let (outcome, refused) = try consumer.retryingDatabase(in: session) { database in
            try applyIsolatingRefusals(events[...], combine: +, empty: StockBatchOutcome()) { batch in
                try StockBatchApplier(connection: database).apply(batch)
            }
        }
        for (index, error) in refused {
            rejected.append(consumer.deadLetter(origins[index], reason: "the event could not be applied: \(error)"))
        }
        try consumer.finish(deliveries, deadLetters: rejected, in: session)

        eventsApplied.increment(by: outcome.events)
        deadLettered.increment(by: rejected.count)
        levelsChanged.increment(by: outcome.levelsChanged)
        availabilityChanged.increment(by: outcome.availabilityChanged)
        batchSize.record(deliveries.count)
        batchLatency.record(duration: ContinuousClock.now - started)
        logger.debug("batch applied", metadata: [
            "deliveries": "\(deliveries.count)", "levels_changed": "\(outcome.levelsChanged)",
            "ats_changed": "\(outcome.availabilityChanged)",
        ])
    }
}
