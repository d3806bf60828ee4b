import Logging
import Metrics
import StockSyncDomain
import StockSyncPostgres
import StockSyncRuntime
import StockSyncShopify
import StockSyncStore

/// Asks Shopify again, every `ORDER_PLACEMENT_RETRY_SECONDS`, where it took the lines that
/// were recorded with no location (their order's look-up was refused: a token being
/// rotated, a missing scope, a query over the cost limit; or answered nothing yet), and
/// reserves them once it says: without this their units stay sold in Shopify and unreserved
/// in the ERP until someone heals the level. In the order-worker, beside its consumer.
package struct PlacementSweeper: LoopService {
    package let stopSignal = StopSignal()
    private let configuration: OrderWorkerConfiguration
    private let relay: OutboxRelay
    private let logger: Logger
    private let placed = Counter(label: "stocksync_order_lines_placed_late_total")
    /// Orders asked about a sweep at most.
    static let ordersPerSweep = 160

    package init(configuration: OrderWorkerConfiguration, relay: OutboxRelay, logger: Logger) {
        self.configuration = configuration
        self.relay = relay
        self.logger = logger
    }

    package func runUntilStopped() {
        SessionLoop<PostgresConnection>(what: "placement sweep", stopSignal: stopSignal, logger: logger).run {
            try PostgresConnection(url: configuration.consumer.databaseURL)
        } _: { database in
            stopSignal.pause(configuration.placementRetry)
            guard !stopSignal.isRaised else { return }
            try sweep(database)
        }
    }

    private func sweep(_ database: PostgresConnection) throws {
        let unplaced = try OrderStore(connection: database).unplacedLines(limit: Self.ordersPerSweep * 50)
        guard !unplaced.isEmpty else { return }
        // Connections read afresh each sweep: a token rotated since is the one used.
        let connections = Dictionary(try configuration.shopify.connectedShops(in: database).map { ($0.shop, $0) },
                                     uniquingKeysWith: { first, _ in first })
        var placements: [OrderKey: [String: LinePlacement]] = [:]
        for (shop, orders) in Dictionary(grouping: unplaced.keys.prefix(Self.ordersPerSweep), by: \.shop) {
            guard let connection = connections[shop] else { continue }
            do {
                let found = try configuration.shopify.api(for: connection, logger: logger)
                    .fulfillmentLines(orderIDs: orders.map { "gid://shopify/Order/\($0.orderID)" })
                for order in orders {
                    let lines = OrderWorker.placements(found["gid://shopify/Order/\(order.orderID)"] ?? [])
                        .filter { unplaced[order]?.contains($0.key) == true }
                    if !lines.isEmpty { placements[order] = lines }
                }
            } catch {
                logger.warning("cannot read where Shopify took unplaced lines yet; asking again later",
                               metadata: ["shop": "\(shop)", "orders": "\(orders.count)", "error": "\(error)"])
            }
        }
        let outcome = try OrderBatchApplier(connection: database).place(placements)
        guard outcome.placedAtLast > 0 else { return }
        placed.increment(by: outcome.placedAtLast)
        relay.nudge()
        logger.info("unplaced order lines placed and reserved", metadata: ["lines": "\(outcome.placedAtLast)"])
    }
}
