import ArgumentParser
import Foundation
import ShopifyWebhooks
import StockSyncAMQP
import StockSyncDomain
import StockSyncPostgres
import StockSyncRuntime
import StockSyncShopify
import StockSyncStore
import StockSyncWorkers
import TestSupport

extension BenchShop {
    /// Places orders in the simulated store, 500 a request; returns their resources as
    /// Shopify's order webhooks carry them.
    func placeOrders(_ orders: [[(sku: String, quantity: Int)]]) throws -> [String] {
        struct Line: Encodable { var sku: String; var quantity: Int }
        struct Order: Encodable { var lines: [Line] }
        struct Bulk: Encodable { var orders: [Order] }
        let http = try CurlTransport(totalTimeout: .seconds(300))
        var resources: [String] = []
        for start in stride(from: 0, to: orders.count, by: 500) {
            let chunk = orders[start..<min(start + 500, orders.count)].map { Order(lines: $0.map { Line(sku: $0.sku, quantity: $0.quantity) }) }
            let response = try http.post("\(simulator.baseURL)/_simulator/shops/\(shop)/orders/bulk",
                                         headers: [("Content-Type", "application/json")],
                                         body: Array(try JSONEncoder().encode(Bulk(orders: chunk))))
            guard response.status == 200 else { throw SimulatorClient.Failure("bulk orders: HTTP \(response.status)") }
            resources += String(decoding: response.body, as: UTF8.self).split(separator: "\n").map(String.init)
        }
        return resources
    }

    func applyStock(_ levels: [(sku: String, warehouse: String, onHand: Int)]) throws {
        _ = try StockBatchApplier(connection: database).apply(levels.enumerated().map { index, level in
            StockEvent(eventID: "bench-stock-\(shop)-\(index)", key: StockKey(sku: level.sku, warehouse: level.warehouse),
                       occurredAt: Date(), change: .snapshot(StockQuantities(onHand: level.onHand, allocated: 0, reserved: 0),
                                                              version: 1))
        })
    }
}

/// `scripts/bench-webhooks`, second half: a store with `orders` storefront orders of 3 lines
/// each, and the signed deliveries of their `orders/create` webhooks, one a line of
/// `output` (signature, event id, body; tab-separated) for wrk to send.
struct PrepareOrders: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prepare-orders")
    @Option var simulator = "http://127.0.0.1:9390"
    @Option var shop = "bench-orders.myshopify.com"
    @Option var orders = 20_000
    @Option var skus = 300
    @Option(help: "Points the store's API bucket holds (Enterprise: 40,000); larger lifts Shopify's rate limit out of the way.")
    var bucket = 40_000.0
    @Option var secret: String
    @Option var output: String

    func run() throws {
        let bench = try BenchShop(shop: shop, simulatorURL: simulator)
        try bench.create(skus: skus, locations: 2, plan: "enterprise", bucketSize: bucket, available: { _, _ in 1_000_000 })
        // Location 1 is fed by WH-1 first, then WH-1B: lines split when WH-1 runs short.
        try ShopConfiguration(connection: bench.database)
            .map(shop: shop, warehouse: "WH-1B", location: "gid://shopify/Location/1", priority: 1)
        var random = SeededGenerator(seed: 7)
        try bench.applyStock((0..<skus).flatMap { index in
            [(BenchShop.sku(index), "WH-1", Int(random.next() % 200)), (BenchShop.sku(index), "WH-1B", 1_000_000)]
        })
        _ = try bench.sync()
        let carts = (0..<orders).map { _ in
            Array(Set((0..<3).map { _ in Int(random.next() % UInt64(skus)) })).map { (BenchShop.sku($0), 1 + Int(random.next() % 2)) }
        }
        let resources = try bench.placeOrders(carts)
        let lines = resources.enumerated().map { index, body in
            "\(WebhookIntake.signature(of: Array(body.utf8), secret: secret))\tbench-order-\(index)\t\(body)"
        }
        try (lines.joined(separator: "\n") + "\n").write(toFile: output, atomically: true, encoding: .utf8)
        print("prepared \(resources.count) orders (\(carts.reduce(0) { $0 + $1.count }) lines)")
    }
}

/// Waits until `count` orders are committed reservations and prints the rate since `started`.
struct AwaitOrders: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "await-orders")
    @Option var count: Int
    @Option(help: "Seconds since 1970 when the deliveries began.") var started: Double
    @Option var timeout = 600.0
    @Flag(help: "The store's API budget, not the pipeline, sets the pace of this run.") var budgetBound = false

    func run() throws {
        let database = try PostgresConnection(url: Environment(ProcessInfo.processInfo.environment)
            .databaseURL("DATABASE_URL", default: DevelopmentDefaults.databaseURL))
        let deadline = Date().addingTimeInterval(timeout)
        let store = OrderStore(connection: database)
        // Polled with one count, as before: the full totals are five scans of the order tables.
        while try store.recordedOrders() < count && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        let seconds = Date().timeIntervalSince1970 - started
        let totals = try store.totals()
        print(String(format: "orders committed as reservations: %d of %d (%d lines, %d placed through the Admin API, %d incidents) in %.1f s from the first delivery: %.0f orders/s",
                     totals.orders, count, totals.lines, totals.placedOrders, totals.incidents, seconds,
                     Double(totals.orders) / seconds)
              + (budgetBound ? " (paced by the store's API budget)" : " (target >= 2,000/s)"))
    }
}

/// `scripts/bench-oversell`: storefront orders arriving fast while the ERP's stock shrinks
/// (damage, other channels), through the whole pipeline, with one safety buffer; prints the
/// units the store sold beyond the ERP's stock and the orders it refused.
struct BenchOversell: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "oversell")
    @Option var simulator = "http://127.0.0.1:9390"
    @Option var gatewayPort = 9491
    @Option(help: "The shop's safety buffer.") var buffer = 0
    // Many SKUs with little stock each, so that many run out during the run: the race is
    // at the moment a level reaches 0.
    @Option var skus = 40
    @Option(help: "Units of each SKU in the ERP at the start.") var stock = 60
    @Option(help: "Storefront orders a second.") var orderRate = 40
    @Option(help: "ERP sales on other channels a second (1 to 3 units each, only of free stock).") var shrinkRate = 40
    @Option var duration = 30

    func run() throws {
        let secret = "bench-oversell-secret"
        let bench = try BenchShop(shop: "bench-oversell-b\(buffer).myshopify.com", simulatorURL: simulator)
        try bench.create(skus: skus, locations: 1, plan: "plus")
        try ShopConfiguration(connection: bench.database).upsertShop(bench.shop, defaultSafetyBuffer: buffer)
        try bench.applyStock((0..<skus).map { (BenchShop.sku($0), "WH-1", stock) })
        _ = try bench.sync()
        try bench.simulator.subscribe(bench.shop, address: "http://127.0.0.1:\(gatewayPort)/webhooks/shopify", secret: secret)
        let quiet = ["LOG_LEVEL": "warning"]
        let workers = try [
            bench.start("stock-worker", quiet), bench.start("push-worker", quiet.merging(["PUSH_LINGER_MS": "20"]) { $1 }),
            bench.start("order-worker", quiet),
            bench.start("webhook-gateway", quiet.merging(["WEBHOOK_SECRET": secret, "GATEWAY_PORT": "\(gatewayPort)"]) { $1 }),
        ]
        defer { workers.forEach(BenchShop.stop) }
        let broker = try AMQPConnection(url: Environment(ProcessInfo.processInfo.environment)
            .amqpURL("AMQP_URL", default: DevelopmentDefaults.amqpURL), name: "stocksync-bench oversell")
        try waitUntil("Shopify shows the ERP's stock") {
            try bench.dueLevels() == 0 && bench.simulator.levels(bench.shop).allSatisfy { $0.available > 0 }
        }
        Thread.sleep(forTimeInterval: 2)  // the gateway reads the shops it serves at start

        var random = SeededGenerator(seed: 11)
        var placed = 0, refused = 0, unitsSold = 0, shrink = 0, skipped = 0, shrunk = 0
        let start = Date().timeIntervalSince1970
        var tick = 0
        while Date().timeIntervalSince1970 - start < Double(duration) {
            tick += 1
            // Every 10 ms: the orders and shrink events owed by now.
            let elapsed = Double(tick) * 0.01
            while Double(placed + refused) < elapsed * Double(orderRate) {
                let quantity = 1 + Int(random.next() % 3)
                do {
                    _ = try bench.simulator.placeOrder(bench.shop, lines: [(BenchShop.sku(Int(random.next() % UInt64(skus))), quantity)])
                    placed += 1
                    unitsSold += quantity
                } catch {
                    refused += 1
                }
            }
            var messages: [OutgoingMessage] = []
            while Double(shrink + skipped + messages.count) < elapsed * Double(shrinkRate) {
                // The ERP sells on another channel only what it still has free: never reserved units.
                let sku = BenchShop.sku(Int(random.next() % UInt64(skus)))
                let units = 1 + Int(random.next() % 3)
                let level = StockKey(sku: sku, warehouse: "WH-1")
                let free = try StockStore(connection: bench.database).levels(keys: [level])[level]?.promisable ?? 0
                guard free >= units else {
                    skipped += 1
                    continue
                }
                let event = StockMessages.adjustment(id: "shrink-\(bench.shop)-\(shrink + messages.count)", sku: sku,
                                                     warehouse: "WH-1", onHandDelta: -units, version: nil)
                messages.append(OutgoingMessage(routingKey: QueueTopology.stockChanged, body: Array(event.utf8)))
                shrunk += units
            }
            try broker.publish(messages)
            shrink += messages.count
            let wait = start + elapsed - Date().timeIntervalSince1970
            if wait > 0 { Thread.sleep(forTimeInterval: wait) }
        }
        try waitUntil("every order is reserved") {
            try OrderStore(connection: bench.database).recordedOrders() >= placed
        }
        let oversold = try StockQueries(connection: bench.database).oversoldUnits()
        let backorderLines = try OrderStore(connection: bench.database).totals().backorderedLines
        print(String(format: "safety buffer %d: %d orders taken (%d units), %d refused by Shopify for lack of stock; ERP sold %d units elsewhere; units oversold: %d (%d lines backordered)",
                     buffer, placed, unitsSold, refused, shrunk, oversold, backorderLines))
    }

    private func waitUntil(_ what: String, timeout: Double = 120, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw SimulatorClient.Failure("timed out waiting until \(what)")
    }
}
