import Logging
import StockSyncAMQP
import StockSyncDomain
import StockSyncPostgres
import StockSyncStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What stocksync holds about a customer, for `customers/data_request`: published on the
/// exchange `stocksync.compliance` (queue `compliance-reports`, which the operator consumes
/// and answers the merchant from) and printed by `stocksync compliance customer`.
package struct CustomerDataReport: Sendable, Codable {
    package var schema = "customer-data-report/1"
    package var shop: String
    package var customerID: Int
    package var dataRequestID: Int?
    /// The customer's orders stocksync has: ids, SKUs, reservations, incidents. No name,
    /// address, email or phone is kept in the database.
    package var orders: [OrderStore.OrderReport]
    /// Orders Shopify named that stocksync never had.
    package var ordersNotHeld: [String]
    /// Dead letters holding a webhook about the customer (whole Shopify bodies).
    package var deadLetters: Int
}

/// The mandatory compliance webhooks, carried out
/// (https://shopify.dev/docs/apps/build/compliance/privacy-law-compliance).
package struct Compliance: Sendable {
    package let amqpURL: AMQPURL
    package let workerName: String
    package let logger: Logger

    package init(amqpURL: AMQPURL, workerName: String, logger: Logger) {
        self.amqpURL = amqpURL
        self.workerName = workerName
        self.logger = logger
    }

    package static let exchange = "stocksync.compliance"
    package static let reportsQueue = "compliance-reports"

    /// The report of what stocksync holds about the customer.
    package func report(_ request: ComplianceRequest.CustomerRequest, database: PostgresConnection) throws -> CustomerDataReport {
        let store = OrderStore(connection: database)
        var orders: [OrderStore.OrderReport] = []
        var missing: [String] = []
        for id in request.orderIDs {
            if let order = try store.report(shop: request.shop, orderID: id) { orders.append(order) } else { missing.append(id) }
        }
        let deadLetters = try DeadLetterSweep(amqpURL: amqpURL, workerName: workerName)
            .sweep(queues: [QueueTopology.deadLetterQueue(for: QueueTopology.orderPlaced)], remove: false) { delivery in
                delivery.headers[ShopifyWebhookContract.Header.shopDomain.messageHeader] == request.shop && request.isAbout(delivery.body)
            }
        return CustomerDataReport(shop: request.shop, customerID: request.customerID, dataRequestID: request.dataRequestID,
                                  orders: orders, ordersNotHeld: missing, deadLetters: deadLetters)
    }

    /// Publishes the report, confirmed, for the operator.
    package func publish(_ report: CustomerDataReport, on broker: AMQPConnection) throws {
        try Self.declare(on: broker)
        let body = try JSONEncoder().encode(report)
        try broker.publish([OutgoingMessage(exchange: Self.exchange, routingKey: "compliance.customer-data",
                                            messageID: "customer-data:\(report.shop):\(report.customerID):\(report.dataRequestID ?? 0)",
                                            body: Array(body))])
    }

    package static func declare(on broker: AMQPConnection) throws(BrokerError) {
        try broker.declareTopicExchange(exchange)
        try broker.declareQueue(reportsQueue, arguments: [.string("x-queue-type", "quorum")])
        try broker.bind(queue: reportsQueue, to: exchange, routingKey: "compliance.#")
    }

    /// `customers/redact`: the database holds nothing personal of the customer, only their
    /// orders' ids and quantities, which the ERP's reservations need; the dead letters
    /// holding Shopify's bodies about them are removed. Returns how many.
    package func redact(_ request: ComplianceRequest.CustomerRequest) throws -> Int {
        try DeadLetterSweep(amqpURL: amqpURL, workerName: workerName)
            .sweep(queues: [QueueTopology.deadLetterQueue(for: QueueTopology.orderPlaced)], remove: true) { delivery in
                delivery.headers[ShopifyWebhookContract.Header.shopDomain.messageHeader] == request.shop && request.isAbout(delivery.body)
            }
    }

    /// `shop/redact`: everything of the shop is erased in one transaction. Its reservations
    /// still open are released first (the ERP is told, through the outbox, and the ATS of
    /// other shops fed by the same warehouses recomputed); then every table's rows of the
    /// shop, by their owners. Its dead letters go too. Returns the reservations released.
    package func erase(shop: String, database: PostgresConnection) throws -> (released: Int, deadLetters: Int) {
        let released = try database.transaction { connection -> Int in
            let orders = OrderStore(connection: connection)
            let open = try orders.openReservations(shop: shop)
            try orders.lock(orders: Set(open.map(\.line.order)))
            let stock = StockStore(connection: connection)
            let skus = Set(open.map(\.sku))
            try stock.lock(skus: skus)
            try stock.addOrderReservations(open.reduce(into: [:]) { deltas, event in
                deltas[StockKey(sku: event.sku, warehouse: event.warehouse), default: 0] += event.delta
            })
            try ReservationOutboxStore(connection: connection).enqueue(open)
            try orders.forget(shop: shop)
            try PushStore(connection: connection).forget(shop: shop)
            try stock.forget(shop: shop)
            try ReconcileStore(connection: connection).forget(shop: shop)
            try DriftWatchStore(connection: connection).forget(shop: shop)
            try AppInstallStore(connection: connection).forget(shop: shop)
            try ShopRegistry(connection: connection).forget(shop: shop)
            _ = try AvailabilityRefresher.refresh(skus: skus, dueSince: [:], store: stock)
            return open.count
        }
        let deadLetters = try DeadLetterSweep(amqpURL: amqpURL, workerName: workerName)
            .sweep(queues: QueueTopology.workQueues.map(QueueTopology.deadLetterQueue), remove: true) { delivery in
                Self.isOf(shop: shop, delivery)
            }
        return (released, deadLetters)
    }

    /// A dead letter of the shop: a webhook from it, or an ERP or reconcile message naming it.
    static func isOf(shop: String, _ delivery: Delivery) -> Bool {
        if let domain = delivery.headers[ShopifyWebhookContract.Header.shopDomain.messageHeader] { return domain == shop }
        guard case .string(let named)? = (try? FlatJSONObject(parsing: delivery.body))?["shop"] else { return false }
        return named == shop
    }
}

/// Reads every message of dead-letter queues once: those `matching` are counted, and
/// removed when `remove`; the others are published back to their queue as they were
/// (confirmed) before their originals are acknowledged, so a crash midway loses none (it
/// may leave one twice).
struct DeadLetterSweep {
    let amqpURL: AMQPURL
    let workerName: String

    func sweep(queues: [String], remove: Bool, matching: (Delivery) -> Bool) throws -> Int {
        let source = try AMQPConnection(url: amqpURL, name: "\(workerName) dead-letter sweep")
        let target = try AMQPConnection(url: amqpURL, name: "\(workerName) dead-letter sweep (kept)")
        var matched = 0
        for queue in queues {
            // Only what was there: the ones published back are not read again.
            var left = try source.status(of: queue).messageCount
            while left > 0, let delivery = try source.get(queue) {
                left -= 1
                let match = matching(delivery)
                if match { matched += 1 }
                guard remove else { continue }
                if !match {
                    try target.publish([OutgoingMessage(routingKey: queue, properties: delivery.properties, body: delivery.body)])
                }
                try source.ack(delivery.deliveryTag)
            }
        }
        // Unacknowledged (a report's reading) go back to their queues as the connection closes.
        return matched
    }
}
