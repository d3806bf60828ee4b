import Logging
import Metrics
import ServiceLifecycle
import StockSyncAMQP
import StockSyncDomain
import StockSyncPostgres
import StockSyncRuntime
import StockSyncShopify
import StockSyncStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Consumes `reconcile-requested`: records each request as a queued run (a request id is
/// recorded once) and acknowledges it at once, so no delivery waits on a run that takes
/// minutes; its `ReconcileRunner` takes the queued runs. Also publishes the scheduled runs
/// that came due. Any number of copies may run: runs of one shop wait for each other, a
/// request id runs once, a schedule slot is published once.
package final class ReconcileWorker: LoopService {
    private let configuration: ReconcileWorkerConfiguration
    private let logger: Logger
    private let runner: ReconcileRunner
    package let stopSignal = StopSignal()
    private let queue = QueueTopology.reconcileRequested

    private let deadLettered = Counter(label: "stocksync_dead_lettered_total",
                                       dimensions: [("queue", QueueTopology.reconcileRequested)])

    package init(configuration: ReconcileWorkerConfiguration, runner: ReconcileRunner, logger: Logger) {
        self.configuration = configuration
        self.runner = runner
        self.logger = logger
    }

    package func runUntilStopped() {
        logger.info("reconcile-worker started", metadata: ["worker": "\(configuration.workerName)"])
        var nextScheduleLook = ContinuousClock.now
        var nextDriftLook = ContinuousClock.now
        SessionLoop<ConsumerSession>(what: "reconcile-worker (the request will be delivered again)",
                                     stopSignal: stopSignal, logger: logger).run {
            try ConsumerSession(amqpURL: configuration.amqpURL, databaseURL: configuration.databaseURL,
                                workerName: configuration.workerName, queue: queue, prefetch: 1)
        } _: { session in
            if ContinuousClock.now >= nextScheduleLook {
                try publishDueSchedules(session)
                nextScheduleLook = ContinuousClock.now + configuration.schedulePoll
            }
            if ContinuousClock.now >= nextDriftLook {
                try publishDriftChecks(session)
                nextDriftLook = ContinuousClock.now + configuration.driftPoll
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
        guard try configuration.shopify.connectedShops(in: session.database).contains(where: { $0.shop == request.shop })
        else {
            return try deadLetter(delivery, reason: "shop \(request.shop) is unknown or not connected", in: session)
        }
        // Recorded before acknowledged: a crash between the two redelivers a request already queued.
        let queued = try ReconcileStore(connection: session.database).accept(request)
        try session.consumer.ack(delivery.deliveryTag)
        logger.info(queued ? "reconciliation queued" : "reconciliation requested again; it runs once", metadata: [
            "request_id": "\(request.requestID)", "shop": "\(request.shop)",
        ])
        runner.nudge()
    }

    private func deadLetter(_ delivery: Delivery, reason: String, in session: ConsumerSession) throws {
        try session.publisher.publish([DeadLetter.message(for: delivery, from: queue, reason: reason,
                                                          worker: configuration.workerName)])
        try session.consumer.ack(delivery.deliveryTag)
        deadLettered.increment()
        logger.warning("dead-lettered", metadata: ["message_id": "\(delivery.messageID ?? "-")", "reason": "\(reason)"])
    }

    /// Levels a targeted check reads one by one (25 SKUs a query); more, and the whole shop
    /// is read in one bulk operation instead, which costs the bucket next to nothing
    /// (https://shopify.dev/docs/api/usage/bulk-operations/queries).
    static let maximumTargetedSKUs = 250

    /// Asks for a reconciliation of the levels Shopify said changed unexplained
    /// (`DriftWatchStore`), one a shop however many levels changed, by the shop's policy: the
    /// ERP's number pushed back, or a report. The levels are forgotten once it is confirmed.
    private func publishDriftChecks(_ session: ConsumerSession) throws {
        try DriftWatchStore(connection: session.database).takeDue(limit: 100_000, longestWait: .seconds(30)) { checks in
            let at = Int((Date().timeIntervalSince1970 * 1_000).rounded())
            try session.publisher.publish(checks.map { check in
                let request = ReconcileRequest(
                    requestID: "drift:\(check.shop):\(configuration.workerName):\(at)", shop: check.shop,
                    mode: check.heal ? .heal : .report, skus: check.skus.count <= Self.maximumTargetedSKUs ? check.skus : nil)
                return OutgoingMessage(routingKey: QueueTopology.reconcileRequested, messageID: request.requestID,
                                       body: request.body)
            })
            for check in checks {
                logger.notice("levels changed in Shopify that no push or order explains; checking them", metadata: [
                    "shop": "\(check.shop)", "levels": "\(check.skus.count)", "mode": "\(check.heal ? "heal" : "report")",
                ])
            }
        }
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
