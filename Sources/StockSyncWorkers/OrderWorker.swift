import Logging
import Metrics
import ServiceLifecycle
import StockSyncAMQP
import StockSyncDomain
import StockSyncPostgres
import StockSyncRuntime
import StockSyncShopify
import StockSyncStore

/// Consumes `order-placed` (Shopify's order webhooks and `app/uninstalled`, as the gateway
/// queued them): reads each delivery, records uninstalls, asks Shopify where lines not
/// placed before took their stock, applies the batch (`OrderBatchApplier`), dead-letters
/// what it cannot read, acknowledges, and nudges the outbox relay that publishes the
/// reservation events. Any number of copies may run.
package final class OrderWorker: LoopService {
    private let configuration: OrderWorkerConfiguration
    private let logger: Logger
    private let relay: OutboxRelay
    package let stopSignal = StopSignal()
    private let queue = QueueTopology.orderPlaced

    private let applied = Counter(label: "stocksync_order_messages_applied_total")
    private let duplicates = Counter(label: "stocksync_order_duplicates_total")
    private let staleStates = Counter(label: "stocksync_order_stale_states_total")
    private let archivedOrders = Counter(label: "stocksync_order_archived_deliveries_total")
    private let deadLettered = Counter(label: "stocksync_dead_lettered_total", dimensions: [("queue", QueueTopology.orderPlaced)])
    private let availabilityChanged = Counter(label: "stocksync_ats_changed_total")
    private let lookups = Counter(label: "stocksync_order_location_lookups_total")
    private let uninstalledShops = Counter(label: "stocksync_shops_uninstalled_total")
    private let driftSuspected = Counter(label: "stocksync_drift_suspected_levels_total")
    private let batchLatency = Timer(label: "stocksync_order_batch_seconds")

    package init(configuration: OrderWorkerConfiguration, relay: OutboxRelay, logger: Logger) {
        self.configuration = configuration
        self.relay = relay
        self.logger = logger
    }

    package func runUntilStopped() {
        let consumer = BatchConsumer(configuration: configuration.consumer, queue: queue, logger: logger,
                                     stopSignal: stopSignal)
        let shops = ShopDirectory(access: configuration.shopify, logger: logger)
        let arrivals = DeliveryArrivals()
        consumer.run { batch, session in
            try handle(batch, in: session, consumer: consumer, shops: shops, arrivals: arrivals)
        }
    }

    private func handle(_ deliveries: [Delivery], in session: ConsumerSession, consumer: BatchConsumer,
                        shops: ShopDirectory, arrivals: DeliveryArrivals) throws {
        let started = ContinuousClock.now
        var messages: [OrderMessage] = []
        var origins: [Delivery] = []
        var uninstalls: [AppUninstalled] = []
        var levelUpdates: [InventoryLevelUpdate] = []
        var compliance: [ComplianceRequest] = []
        var rejected: [OutgoingMessage] = []
        for delivery in deliveries {
            do {
                switch try ShopifyWebhookMessage.decode(headers: delivery.headers, body: delivery.body) {
                case .order(let message):
                    messages.append(message)
                    origins.append(delivery)
                case .appUninstalled(let uninstall):
                    uninstalls.append(uninstall)
                case .inventoryLevel(let update):
                    levelUpdates.append(update)
                case .compliance(let request):
                    compliance.append(request)
                }
            } catch {
                rejected.append(consumer.deadLetter(delivery, reason: error.reason))
            }
        }
        // Before the look-ups, so that none is sent with a token Shopify has revoked.
        try record(uninstalls, in: session, consumer: consumer, shops: shops)
        let placements = try placements(for: messages, in: session, consumer: consumer, shops: shops)
        let (outcome, refused) = try consumer.retryingDatabase(in: session) { database in
            try applyIsolatingRefusals(messages[...], combine: +, empty: OrderBatchOutcome()) { batch in
                try OrderBatchApplier(connection: database).apply(batch, placements: placements)
            }
        }
        for (index, error) in refused {
            rejected.append(consumer.deadLetter(origins[index], reason: "the message could not be applied: \(error)"))
        }
        // After the batch's orders: their deductions explain the changes they caused.
        let suspected = try consumer.retryingDatabase(in: session) { database in
            try DriftWatchStore(connection: database).note(levelUpdates, settle: configuration.driftSettle)
        }
        if suspected > 0 {
            driftSuspected.increment(by: suspected)
            logger.info("levels changed in Shopify unexplained; checking them once orders in flight are in",
                        metadata: ["levels": "\(suspected)", "settle": "\(configuration.driftSettle)"])
        }
        // When each shop's webhooks last arrived (states read back are not webhooks, refused
        // ones not arrivals), written at most every ten seconds a topic.
        let refusedIndices = Set(refused.map(\.0))
        let delivered = arrivals.due(Set(messages.enumerated().filter { index, message in
            !refusedIndices.contains(index) && !message.eventID.hasPrefix(OrderState.backfillEventPrefix)
        }.map { WebhookTopicKey(shop: $0.element.shop, topic: $0.element.topic) }))
        if !delivered.isEmpty {
            try consumer.retryingDatabase(in: session) { try OrderBackfillStore(connection: $0).recordDeliveries(delivered) }
        }
        // Before the batch is acknowledged: a crash carrying one out redelivers it, and each is
        // idempotent (a report published again, nothing left to remove or erase).
        for request in compliance { try carryOut(request, in: session, consumer: consumer, shops: shops) }
        try consumer.finish(deliveries, deadLetters: rejected, in: session)
        relay.nudge()

        applied.increment(by: outcome.applied)
        duplicates.increment(by: outcome.duplicates)
        staleStates.increment(by: outcome.stale)
        archivedOrders.increment(by: outcome.archived)
        deadLettered.increment(by: rejected.count)
        availabilityChanged.increment(by: outcome.availabilityChanged)
        for (kind, count) in outcome.reservationEvents {
            Counter(label: "stocksync_reservation_events_total", dimensions: [("event", kind.rawValue)]).increment(by: count)
        }
        for (kind, count) in outcome.incidents {
            Counter(label: "stocksync_order_incidents_total", dimensions: [("kind", kind.rawValue)]).increment(by: count)
            logger.warning("order line incident", metadata: ["kind": "\(kind.rawValue)", "lines": "\(count)"])
        }
        batchLatency.record(duration: ContinuousClock.now - started)
    }

    /// A compliance webhook, carried out (`Compliance`).
    private func carryOut(_ request: ComplianceRequest, in session: ConsumerSession, consumer: BatchConsumer,
                          shops: ShopDirectory) throws {
        let compliance = Compliance(amqpURL: configuration.consumer.amqpURL, workerName: configuration.consumer.workerName,
                                    logger: logger)
        switch request {
        case .customerDataRequest(let customer):
            let report = try consumer.retryingDatabase(in: session) { try compliance.report(customer, database: $0) }
            try compliance.publish(report, on: session.publisher)
            logger.notice("customer data request reported on \(Compliance.exchange)", metadata: [
                "shop": "\(customer.shop)", "orders": "\(report.orders.count)", "dead_letters": "\(report.deadLetters)",
            ])
        case .customerRedact(let customer):
            let removed = try compliance.redact(customer)
            logger.notice("customer redacted: the dead letters about them removed; the database holds nothing personal of them",
                          metadata: ["shop": "\(customer.shop)", "dead_letters": "\(removed)"])
        case .shopRedact(let shop):
            let (released, deadLetters) = try consumer.retryingDatabase(in: session) { try compliance.erase(shop: shop, database: $0) }
            shops.forget(shop)
            logger.notice("shop redacted: everything of it erased", metadata: [
                "shop": "\(shop)", "reservations_released": "\(released)", "dead_letters": "\(deadLetters)",
            ])
        }
    }

    /// Each uninstalled shop's token is forgotten (`ShopRegistry.markUninstalled`), so that
    /// every process stops calling its Admin API: pushes, look-ups and reconciliations.
    private func record(_ uninstalls: [AppUninstalled], in session: ConsumerSession, consumer: BatchConsumer,
                        shops: ShopDirectory) throws {
        for uninstall in uninstalls {
            let outcome = try consumer.retryingDatabase(in: session) { database in
                try ShopRegistry(connection: database).markUninstalled(shop: uninstall.shop, at: uninstall.uninstalledAt)
            }
            shops.forget(uninstall.shop)
            let metadata: Logger.Metadata = ["shop": "\(uninstall.shop)", "event_id": "\(uninstall.eventID)"]
            switch outcome {
            case .tokenForgotten:
                uninstalledShops.increment()
                logger.notice("the shop uninstalled the app; nothing is sent to it until it is connected again",
                              metadata: metadata)
            case .connectedSince:
                logger.notice("app/uninstalled from before the shop's latest connection; its catalogue is read again",
                              metadata: metadata)
            case .recordedBefore:
                logger.info("app/uninstalled recorded before", metadata: metadata)
            }
        }
    }

    /// Where Shopify took the stock of every line not placed before, from the orders'
    /// fulfillment orders (`AdminDocuments.ordersPerFulfillmentQuery` orders an Admin API
    /// call). Shopify unreachable: waits with the batch in hand. Shopify refusing (no
    /// connection for the shop, no such order): the lines stay unplaced and become incidents.
    private func placements(for messages: [OrderMessage], in session: ConsumerSession, consumer: BatchConsumer,
                            shops: ShopDirectory) throws -> [OrderKey: [String: LinePlacement]] {
        var unplaced: [OrderKey: Set<String>] = [:]
        for message in messages {
            // A cancelled order too: first heard of cancelled (its earlier webhooks lost, or
            // overtaken), its refunds tell the push side of the units Shopify put back, and
            // its placement of the units Shopify took first.
            guard case .order(let state) = message.content else { continue }
            unplaced[OrderKey(shop: message.shop, orderID: state.orderID), default: []].formUnion(state.lines.map(\.id))
        }
        guard !unplaced.isEmpty else { return [:] }
        let placed = try consumer.retryingDatabase(in: session) { database in
            try OrderStore(connection: database).placedLines(of: unplaced.keys)
        }
        let wanted = unplaced.filter { order, lines in
            lines.contains { !placed.contains(OrderLineKey(shop: order.shop, orderID: order.orderID, lineID: $0)) }
        }
        var result: [OrderKey: [String: LinePlacement]] = [:]
        for (shop, orders) in Dictionary(grouping: wanted.keys, by: \.shop).sorted(by: { $0.key < $1.key }) {
            guard let api = try shops.api(for: shop, database: session.database) else { continue }
            let ids = orders.map(\.orderID).sorted()
            // A call's worth at a time (the API would split them the same way), so an outage
            // retries only the call it interrupted and the lookups metric counts calls.
            for start in stride(from: 0, to: ids.count, by: AdminDocuments.ordersPerFulfillmentQuery) {
                let chunk = ids[start..<min(start + AdminDocuments.ordersPerFulfillmentQuery, ids.count)]
                let found = try lookUp(chunk.map { "gid://shopify/Order/\($0)" }, shop: shop, api: api, shops: shops)
                for id in chunk {
                    result[OrderKey(shop: shop, orderID: id)] = Self.placements(found["gid://shopify/Order/\(id)"] ?? [])
                }
            }
        }
        return result
    }

    /// One call's worth of orders, retried while Shopify is unreachable; empty when Shopify
    /// refuses (the lines are recorded unplaced, and `PlacementSweeper` asks again later).
    /// Told to stop while Shopify is unreachable, it throws: the batch then stays
    /// unacknowledged for the next worker rather than committed with its lines unplaced.
    private func lookUp(_ orderIDs: [String], shop: String, api: InventoryAPI,
                        shops: ShopDirectory) throws -> [String: [InventoryAPI.FulfillmentLine]] {
        do {
            return try retryingTransientFailures(
                logging: "Shopify unreachable; retrying the lookup", stopSignal: stopSignal, logger: logger,
                metadata: ["shop": "\(shop)"], isTransient: { ($0 as? ShopifyError)?.isRetriable == true }
            ) {
                lookups.increment()
                return try api.fulfillmentLines(orderIDs: orderIDs)
            }
        } catch let error as ShopifyError where !error.isRetriable {
            logger.error("cannot read the orders' fulfillment orders; their lines wait for the placement sweep", metadata: [
                "shop": "\(shop)", "orders": "\(orderIDs.count)", "error": "\(error)",
            ])
            // A refused token may have been replaced since it was read: read it again next time.
            if error.httpStatus == 401 { shops.forget(shop) }
            return [:]
        }
    }

    /// By line id: the location holding the most of the line (Shopify may split a line
    /// across fulfillment orders; stocksync reserves a line at one location).
    package static func placements(_ lines: [InventoryAPI.FulfillmentLine]) -> [String: LinePlacement] {
        var best: [String: InventoryAPI.FulfillmentLine] = [:]
        for line in lines {
            let id = ShopifyGID.number(of: line.lineItemID)
            if let current = best[id], current.quantity >= line.quantity { continue }
            best[id] = line
        }
        return best.mapValues { LinePlacement(location: $0.location, sku: $0.sku) }
    }
}

/// Each connected shop's Admin API, opened on first use. Used by the consuming thread alone.
private final class ShopDirectory: @unchecked Sendable {
    private let access: ShopifyAccess
    private let logger: Logger
    private var connections: [String: ShopConnection] = [:]
    /// With the connection each was opened for.
    private var apis: [String: (connectedAt: String?, api: InventoryAPI)] = [:]
    private var loadedAt: ContinuousClock.Instant?

    init(access: ShopifyAccess, logger: Logger) {
        self.access = access
        self.logger = logger
    }

    func forget(_ shop: String) {
        apis[shop] = nil
        loadedAt = nil
    }

    /// nil for a shop without an Admin API connection (`stocksync shop connect`).
    func api(for shop: String, database: PostgresConnection) throws -> InventoryAPI? {
        // The connections are read again at most every ten seconds: a shop uninstalled, or
        // connected again, through another worker is seen within that, and its API dropped.
        // (A token refreshed is taken by the API itself, from `ShopAccessTokens`.)
        if loadedAt.map({ ContinuousClock.now - $0 > .seconds(10) }) ?? true {
            connections = Dictionary(try access.connectedShops(in: database).map { ($0.shop, $0) },
                                     uniquingKeysWith: { first, _ in first })
            loadedAt = .now
            apis = apis.filter { shop, opened in connections[shop].map { $0.connectedAt == opened.connectedAt } ?? false }
        }
        if let opened = apis[shop] { return opened.api }
        guard let connection = connections[shop] else {
            logger.warning("no Admin API connection for the shop; lines stay unplaced", metadata: ["shop": "\(shop)"])
            return nil
        }
        let api = try access.api(for: connection, logger: logger)
        apis[shop] = (connection.connectedAt, api)
        return api
    }
}

/// When each (shop, topic) was last written as arrived, so that busy topics are written
/// every ten seconds rather than every batch. Used by the consuming thread alone.
private final class DeliveryArrivals: @unchecked Sendable {
    private var writtenAt: [WebhookTopicKey: ContinuousClock.Instant] = [:]

    /// Those of `arrived` to write now.
    func due(_ arrived: Set<WebhookTopicKey>) -> Set<WebhookTopicKey> {
        let now = ContinuousClock.now
        let due = arrived.filter { writtenAt[$0].map { now - $0 >= .seconds(10) } ?? true }
        for key in due { writtenAt[key] = now }
        return due
    }
}
