import Logging
import Metrics
import ServiceLifecycle
import StockSyncAMQP
import StockSyncDomain
import StockSyncPostgres
import StockSyncRuntime
import StockSyncShopify
import StockSyncStore

/// Consumes `reconcile-requested` one request at a time and runs each (`Reconciler`); also
/// publishes the scheduled runs that came due. Any number of copies may run: runs of one
/// shop wait for each other, a request id runs once, a schedule slot is published once.
package final class ReconcileWorker: LoopService {
    private let configuration: ReconcileWorkerConfiguration
    private let logger: Logger
    package let stopSignal = StopSignal()
    private let queue = QueueTopology.reconcileRequested

    private let runs = Counter(label: "stocksync_reconcile_runs_total")
    private let deadLettered = Counter(label: "stocksync_dead_lettered_total",
                                       dimensions: [("queue", QueueTopology.reconcileRequested)])
    private let runSeconds = Timer(label: "stocksync_reconcile_run_seconds")

    package init(configuration: ReconcileWorkerConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    package func runUntilStopped() {
        logger.info("reconcile-worker started", metadata: ["worker": "\(configuration.workerName)"])
        // Runs killed while downloading leave their result files; no live run holds them.
        let abandoned = BulkResultFile.removeAbandoned()
        if abandoned > 0 { logger.info("removed abandoned bulk result files", metadata: ["files": "\(abandoned)"]) }
        var nextScheduleLook = ContinuousClock.now
        SessionLoop<ConsumerSession>(what: "reconcile-worker (the request will be delivered again)",
                                     stopSignal: stopSignal, logger: logger).run {
            // One request at a time: a run may take minutes, and others should go to idle workers.
            try ConsumerSession(amqpURL: configuration.amqpURL, databaseURL: configuration.databaseURL,
                                workerName: configuration.workerName, queue: queue, prefetch: 1)
        } _: { session in
            if ContinuousClock.now >= nextScheduleLook {
                try publishDueSchedules(session)
                nextScheduleLook = ContinuousClock.now + configuration.schedulePoll
            }
            guard let delivery = try session.consumer.nextDelivery(timeout: .milliseconds(500)) else { return }
            try handle(delivery, in: session)
        }
        logger.info("reconcile-worker stopped")
    }

    private func handle(_ delivery: Delivery, in session: ConsumerSession) throws {
        let request: ReconcileRequest
        do {
            request = try ReconcileRequest.decode(delivery.body)
        } catch {
            return try deadLetter(delivery, reason: error.reason, in: session)
        }
        guard let shop = try configuration.shopify.connectedShops(in: session.database).first(where: { $0.shop == request.shop })
        else {
            return try deadLetter(delivery, reason: "shop \(request.shop) is unknown or not connected", in: session)
        }
        let started = ContinuousClock.now
        do {
            let reconciler = Reconciler(store: ReconcileStore(connection: session.database,
                                                              holdBackGrace: configuration.holdBackGrace),
                                        api: try configuration.shopify.api(for: shop, logger: logger),
                                        settleTimeout: configuration.settleTimeout, logger: logger)
            let summary = try reconciler.run(request)
            runs.increment()
            runSeconds.record(duration: ContinuousClock.now - started)
            for (kind, count) in [("drift", summary.drift), ("missing_in_shopify", summary.missingInShopify),
                                  ("unknown_to_erp", summary.unknownToERP), ("unmapped", summary.unmapped)] {
                Counter(label: "stocksync_reconcile_discrepancies_total", dimensions: [("class", kind)])
                    .increment(by: count ?? 0)
            }
        } catch let error as ShopifyError where !error.isRetriable {
            return try deadLetter(delivery, reason: "Shopify refused the run: \(error)", in: session)
        }
        try session.consumer.ack(delivery.deliveryTag)
    }

    private func deadLetter(_ delivery: Delivery, reason: String, in session: ConsumerSession) throws {
        try session.publisher.publish([DeadLetter.message(for: delivery, from: queue, reason: reason,
                                                          worker: configuration.workerName)])
        try session.consumer.ack(delivery.deliveryTag)
        deadLettered.increment()
        logger.warning("dead-lettered", metadata: ["message_id": "\(delivery.messageID ?? "-")", "reason": "\(reason)"])
    }

    /// Publishes a report request for every schedule slot that came due. The slot moves on
    /// only when its request is confirmed; its request id names the slot, so a slot published
    /// twice (by a worker that died before committing) still runs once.
    private func publishDueSchedules(_ session: ConsumerSession) throws {
        let store = ReconcileStore(connection: session.database)
        try store.scheduleDefaults()
        try session.database.transaction { connection in
            let slots = try ReconcileStore(connection: connection).takeDueSlots()
            guard !slots.isEmpty else { return }
            try session.publisher.publish(slots.map { slot in
                let request = ReconcileRequest(requestID: "scheduled:\(slot.shop):\(slot.slot)", shop: slot.shop, mode: .report)
                return OutgoingMessage(routingKey: QueueTopology.reconcileRequested, messageID: request.requestID,
                                       body: request.body)
            })
            logger.info("scheduled reconciliations published", metadata: ["slots": "\(slots.map(\.shop))"])
        }
    }
}
