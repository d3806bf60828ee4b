import Logging
import Metrics
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

/// Reads back from the Admin API the orders whose webhooks never came. Shopify gives up on
/// a delivery after its retries (https://shopify.dev/docs/apps/build/webhooks/subscribe/https),
/// so an order placed or changed while the gateway, the broker or the order path was down
/// for long enough would otherwise never become a reservation, its units sold in Shopify
/// and held back on the push side for good.
///
/// For every connected shop, one worker at a time (`AdvisoryLock.backfillShop`): list the
/// orders updated since the shop's watermark (less `ORDER_BACKFILL_SETTLE_SECONDS`, since
/// Shopify's search may show a change late), leave out those whose recorded state says what
/// Shopify's does (`OrderSummary.isNews`) and those changed within the settle time (their
/// webhook may be on its way: the next run sees them), read each other one's state and publish it to
/// `order-placed` as an `orders/updated` delivery (`OrderState.backfillDelivery`), where
/// the order path's rules (newest state wins; an event once) apply it exactly once whether
/// or not its webhook also arrives. The watermark moves only past what was published and
/// confirmed. Runs at start (and whenever its broker or database session is new: after
/// an outage) and every `ORDER_BACKFILL_SECONDS`. In the order-worker, beside its consumer.
package struct OrderBackfill: LoopService {
    package let stopSignal = StopSignal()
    private let configuration: OrderWorkerConfiguration
    private let logger: Logger
    private let readOrders = Counter(label: "stocksync_order_backfill_reads_total")

    package init(configuration: OrderWorkerConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    package func runUntilStopped() {
        let name = configuration.consumer.workerName
        SessionLoop<(broker: AMQPConnection, database: PostgresConnection)>(
            what: "order backfill", stopSignal: stopSignal, logger: logger
        ).run {
            let broker = try AMQPConnection(url: configuration.consumer.amqpURL, name: "\(name) backfill")
            try QueueTopology.declare(on: broker)
            return (broker, try PostgresConnection(url: configuration.consumer.databaseURL))
        } _: { session in
            for shop in try configuration.shopify.connectedShops(in: session.database) where !stopSignal.isRaised {
                try backfill(shop, broker: session.broker, database: session.database)
            }
            stopSignal.pause(configuration.backfillInterval)
        }
    }

    private func backfill(_ shop: ShopConnection, broker: AMQPConnection, database: PostgresConnection) throws {
        let store = OrderBackfillStore(connection: database)
        guard try store.tryLock(shop: shop.shop) else { return }
        defer { try? store.unlock(shop: shop.shop) }
        let started = Date()
        let settled = started.addingTimeInterval(-configuration.backfillSettle.seconds)
        let since = try store.readThrough(shop: shop.shop).addingTimeInterval(-configuration.backfillSettle.seconds)
        var sent = 0
        do {
            let api = try configuration.shopify.api(for: shop, logger: logger)
            // Few retries: a shop Shopify does not answer now is read at the next run, and a
            // worker told to stop is not kept waiting through minutes of backoff.
            api.client.maximumAttempts = 3
            var cursor: String?
            repeat {
                let page = try api.ordersUpdated(since: since, after: cursor)
                let changes = page.orders.prefix { $0.updatedAt <= settled }
                let recorded = try OrderStore(connection: database).recordedSummaries(shop: shop.shop,
                                                                                      orderIDs: changes.map(\.orderID))
                var messages: [OutgoingMessage] = []
                var readThrough: Date?
                do {
                    for change in changes where !stopSignal.isRaised {
                        if change.isNews(comparedWith: recorded[change.orderID]) {
                            let readAt = Date()
                            readOrders.increment()
                            if let state = try api.orderState(orderID: change.orderID) {
                                let served = api.client.servedVersion ?? shop.apiVersion
                                let delivery = state.backfillDelivery(shop: shop.shop, readAt: readAt,
                                                                      apiVersion: served.description)
                                messages.append(OutgoingMessage(routingKey: QueueTopology.orderPlaced, messageID: delivery.messageID,
                                                                headers: delivery.headers, body: delivery.body))
                            }
                        }
                        readThrough = change.updatedAt
                    }
                } catch {
                    // What was read before the failing order is kept; the watermark stops short of it.
                    try publish(messages, readThrough: readThrough, shop: shop.shop, broker: broker, store: store)
                    sent += messages.count
                    throw error
                }
                try publish(messages, readThrough: readThrough, shop: shop.shop, broker: broker, store: store)
                sent += messages.count
                // Changes within the settle time wait for the next run, and so do all after them.
                cursor = changes.count == page.orders.count ? page.nextPage : nil
            } while cursor != nil && !stopSignal.isRaised
            // Every change up to the settle time was listed: a quiet shop's watermark moves too.
            if !stopSignal.isRaised { try store.advance(shop: shop.shop, to: settled) }
        } catch let error as ShopifyError {
            // The next run reads on from the watermark.
            logger.warning("cannot read the shop's orders back now", metadata: [
                "shop": "\(shop.shop)", "orders": "\(sent)", "error": "\(error)",
            ])
            return
        }
        if sent > 0 {
            logger.notice("orders read back from Shopify, their webhooks missing", metadata: [
                "shop": "\(shop.shop)", "orders": "\(sent)",
                "seconds": "\((Date().timeIntervalSince(started) * 10).rounded() / 10)",
            ])
        } else {
            logger.debug("the shop's orders listed; none to read back", metadata: ["shop": "\(shop.shop)"])
        }
    }

    /// Publishes (confirmed) the states read, then moves the watermark past them.
    private func publish(_ messages: [OutgoingMessage], readThrough: Date?, shop: String, broker: AMQPConnection,
                         store: OrderBackfillStore) throws {
        try broker.publish(messages)
        if let readThrough { try store.advance(shop: shop, to: readThrough) }
        guard !messages.isEmpty else { return }
        try store.recordReadBack(shop: shop, orders: messages.count)
        // By shop: one whose orders keep coming this way has lost its webhooks.
        Counter(label: "stocksync_order_backfill_published_total", dimensions: [("shop", shop)]).increment(by: messages.count)
    }
}
