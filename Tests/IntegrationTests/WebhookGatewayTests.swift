import Crypto
import Foundation
import Logging
import StockSyncAMQP
import StockSyncDomain
import StockSyncPostgres
import StockSyncRuntime
import StockSyncShopify
import StockSyncStore
import StockSyncWorkers
import TestSupport
import Testing

/// The webhook gateway as Shopify meets it, against real RabbitMQ and PostgreSQL.
extension IntegrationTests {
    @Suite("Webhook gateway (RabbitMQ + PostgreSQL)")
    struct WebhookGatewayTests {
        static let secret = "gateway-test-secret-7008c5f4"
        static let shop = "brand.myshopify.com"

        init() throws {
            try IntegrationEnvironment.reset()
            let database = try IntegrationEnvironment.database()
            try ShopConfiguration(connection: database).upsertShop(Self.shop, defaultSafetyBuffer: 0)
            try ShopRegistry(connection: database).connect(shop: Self.shop, apiVersion: .default, adminURL: nil, accessToken: "shpat_x",
                                                           sealedWith: IntegrationEnvironment.tokens)
        }

        /// Starts a gateway and waits until `/health` answers `health`.
        private func start(_ environment: [String: String] = [:], port: Int = IntegrationEnvironment.ListenPort.gateway(),
                           health: Int = 200) throws -> (WorkerProcess, String)
        {
            let gateway = try WorkerProcess("webhook-gateway", name: "webhook-gateway", environment: [
                "WEBHOOK_SECRET": Self.secret, "GATEWAY_PORT": "\(port)", "WEBHOOK_MAX_BODY_BYTES": "2048",
                "GATEWAY_SHOP_REFRESH_SECONDS": "1",
            ].merging(environment) { $1 })
            try awaitHealth(gateway, port: port, status: health)
            return (gateway, "http://127.0.0.1:\(port)/webhooks/shopify")
        }

        private func awaitHealth(_ gateway: WorkerProcess, port: Int, status: Int = 200) throws {
            let http = try CurlTransport()
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(20), every: .milliseconds(100)) {
                (try? http.get("http://127.0.0.1:\(port)/health", headers: []).status) == status
            }, "\(gateway.log)")
        }

        private func deliver(_ url: String, body: [UInt8], topic: String = "orders/create", shop: String = shop,
                             secret: String = secret, webhookID: String = UUID().uuidString, omit: String? = nil) throws -> Int {
            try deliverSignedWebhook(url, body: body, topic: topic, shop: shop, secret: secret, webhookID: webhookID, omit: omit)
        }

        /// Every header Shopify sends, and a signature of the right form (not of the body):
        /// what a delivery needs to have its body read.
        static let wellFormedHeaders = [
            ("X-Shopify-Topic", "orders/create"), ("X-Shopify-Shop-Domain", shop), ("X-Shopify-Webhook-Id", "slow"),
            ("X-Shopify-Event-Id", "slow"), ("X-Shopify-Triggered-At", "2026-11-28T07:00:00.000Z"),
            ("X-Shopify-API-Version", "2026-07"), ("X-Shopify-Hmac-Sha256", Data(count: 32).base64EncodedString()),
        ].map { "\($0): \($1)\r\n" }.joined()

        @Test("a delivery without a well-formed signature is refused before its body is read, and its connection closed")
        func unsignedRefusedBeforeItsBody() throws {
            let port = IntegrationEnvironment.ListenPort.gateway()
            let (gateway, _) = try start(port: port)
            for signature in ["", "X-Shopify-Hmac-Sha256: not-a-signature\r\n"] {
                let sender = try RawHTTPConnection(port: port)
                // A body declared and never sent: only the headers can answer it.
                try sender.send("POST /webhooks/shopify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2000\r\n"
                                + signature + "\r\n")
                #expect(sender.responseStatus(within: 2) == 401, "before: the body awaited, 408 at the deadline\n\(gateway.log)")
                #expect(sender.isClosed(within: 2), "not kept open to drain a body it will never use")
            }
            // Both counted; logged once a second at most, so a flood does not flood the log.
            #expect(gateway.log.components(separatedBy: "webhook refused").count - 1 == 1, "\(gateway.log)")
        }

        @Test("an unsigned delivery pipelined behind a signed one on the same connection is answered after it, and the connection closed")
        func refusalsKeepTheirOrder() throws {
            let port = IntegrationEnvironment.ListenPort.gateway()
            let (gateway, _) = try start(port: port)
            let body = #"{"id":7}"#
            let signature = Data(HMAC<SHA256>.authenticationCode(for: Array(body.utf8), using: SymmetricKey(data: Array(Self.secret.utf8))))
                .base64EncodedString()
            let signed = Self.wellFormedHeaders.replacingOccurrences(of: Data(count: 32).base64EncodedString(), with: signature)
            let sender = try RawHTTPConnection(port: port)
            try sender.send("POST /webhooks/shopify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(body.utf8.count)\r\n"
                            + signed + "\r\n" + body
                            + "POST /webhooks/shopify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n{}")
            #expect(sender.statuses(2, within: 5) == [200, 401], "\(gateway.log)")
            #expect(sender.isClosed(within: 2), "a refused body is not drained on a kept-alive connection")
            #expect(try queued() == 1)
        }

        @Test("new connections past the accept rate wait in the backlog, while a kept-alive connection's deliveries go on at once")
        func newConnectionsPaced() throws {
            let port = IntegrationEnvironment.ListenPort.gateway()
            let (gateway, _) = try start(["GATEWAY_MAX_NEW_CONNECTIONS_PER_SECOND": "2"], port: port)
            let body = #"{"id":7}"#
            let signature = Data(HMAC<SHA256>.authenticationCode(for: Array(body.utf8), using: SymmetricKey(data: Array(Self.secret.utf8))))
                .base64EncodedString()
            let signed = "POST /webhooks/shopify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: \(body.utf8.count)\r\n"
                + Self.wellFormedHeaders.replacingOccurrences(of: Data(count: 32).base64EncodedString(), with: signature)
                + "\r\n" + body
            let keptAlive = try RawHTTPConnection(port: port)
            try keptAlive.send(signed)
            #expect(keptAlive.statuses(1, within: 5) == [200], "\(gateway.log)")
            Thread.sleep(forTimeInterval: 1.5)  // the bucket full again: two at once
            let flood = try (0..<10).map { _ in
                let sender = try RawHTTPConnection(port: port)
                try sender.send("POST /webhooks/shopify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n{}")
                return sender
            }
            try keptAlive.send(signed)
            #expect(keptAlive.statuses(1, within: 1) == [200], "the open connection waits for no accept\n\(gateway.log)")
            Thread.sleep(forTimeInterval: 1)
            let answered = flood.filter(\.hasAnswered).count
            #expect((2...5).contains(answered), "two at once, two more a second; before: all 10 at once\n\(gateway.log)")
            #expect(flood.map { $0.responseStatus(within: 8) } == Array(repeating: 401, count: 10),
                    "every one accepted in its turn\n\(gateway.log)")
        }

        private func queued() throws -> Int {
            try IntegrationEnvironment.broker().status(of: QueueTopology.orderPlaced).messageCount
        }

        @Test("a signed order webhook is in order-placed, raw and with its headers, before the 200")
        func acceptedDeliveries() throws {
            let (gateway, url) = try start()
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(10)) {
                try deliver(url, body: Array(#"{"id":1}"#.utf8)) == 200
            }, "\(gateway.log)")
            let body = Array(#"{"id":820982911946154508,"line_items":[{"sku":"TEE-BLK-M","quantity":2}]}"#.utf8)
            #expect(try deliver(url, body: body, webhookID: "webhook-42") == 200)
            let broker = try IntegrationEnvironment.broker()
            _ = try broker.get(QueueTopology.orderPlaced)  // the first, sent while the shop list loaded
            let delivery = try #require(try broker.get(QueueTopology.orderPlaced))
            #expect(delivery.body == body)
            #expect(delivery.messageID == "webhook-42")
            #expect(delivery.headers["x-shopify-topic"] == "orders/create")
            #expect(delivery.headers["x-shopify-shop-domain"] == Self.shop)
            #expect(!gateway.log.contains(Self.secret))
        }

        @Test("bad signature 401, missing header 400, unknown shop 404, too large 413, other topics 200: nothing published")
        func refusedDeliveries() throws {
            let (gateway, url) = try start()
            let body = Array(#"{"id":1}"#.utf8)
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(10)) {
                try deliver(url, body: body, topic: "products/update") == 200
            }, "\(gateway.log)")
            #expect(try deliver(url, body: body, secret: "wrong") == 401)
            #expect(try deliver(url, body: body, omit: "X-Shopify-Hmac-Sha256") == 401)
            #expect(try deliver(url, body: body, omit: "X-Shopify-Webhook-Id") == 400)
            #expect(try deliver(url, body: body, shop: "stranger.myshopify.com") == 404)
            #expect(try deliver(url, body: Array(repeating: UInt8(ascii: " "), count: 4_000)) == 413)
            #expect(try queued() == 0)
        }

        @Test("after a quiet spell of four heartbeat intervals the first delivery on each lane is confirmed, not 503")
        func deliveriesAfterSilence() throws {
            let (gateway, url) = try start(["AMQP_URL": IntegrationEnvironment.quickHeartbeatURLText])
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(10)) {
                try deliver(url, body: Array(#"{"id":1}"#.utf8)) == 200
            }, "\(gateway.log)")
            Thread.sleep(forTimeInterval: 4)
            let statuses = try (0..<4).map { _ in try deliver(url, body: Array(#"{"id":2}"#.utf8)) }
            #expect(statuses.allSatisfy { $0 == 200 }, "\(statuses)\n\(gateway.log)")
        }

        @Test("SIGTERM stops the gateway within a second or so, though its shop list refreshes only every 30 s")
        func stopsPromptly() throws {
            let (gateway, _) = try start(["GATEWAY_SHOP_REFRESH_SECONDS": "30"])
            Thread.sleep(forTimeInterval: 0.5)  // into the refresh sleep
            let asked = ContinuousClock.now
            gateway.signal(SIGTERM)
            #expect(gateway.waitForExit(timeout: .seconds(5)) == 0, "\(gateway.log)")
            #expect(ContinuousClock.now - asked < .seconds(2), "\(gateway.log)")
        }

        @Test("with RabbitMQ unreachable the gateway answers 503 and is not ready, so Shopify retries; a missing secret stops it at start")
        func brokerDownAndBadConfig() throws {
            let (gateway, url) = try start(["AMQP_URL": "amqp://guest:guest@127.0.0.1:1/"], health: 503)
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(10)) {
                try deliver(url, body: Array(#"{"id":1}"#.utf8)) == 503
            }, "\(gateway.log)")
            #expect(try queued() == 0)
            let unconfigured = try WorkerProcess("webhook-gateway", name: "webhook-gateway-unconfigured",
                                                 environment: ["WEBHOOK_SECRET": ""])
            #expect(unconfigured.waitForExit(timeout: .seconds(10)) == 2)
            #expect(unconfigured.log.contains("WEBHOOK_SECRET"))
        }

        @Test("a gateway that cannot read the shop list yet does not listen; once it can, the first delivery is accepted")
        func shopListReadBeforeListening() throws {
            let database = try IntegrationEnvironment.database()
            // The shop list (connected in `init`) out of sight until renamed back, all at once: a migration watched halfway would
            // show the gateway an empty list it could read.
            try database.execute(script: "ALTER TABLE shops RENAME TO shops_not_yet")
            let port = IntegrationEnvironment.ListenPort.gateway()
            let gateway = try WorkerProcess("webhook-gateway", name: "webhook-gateway", environment: [
                "WEBHOOK_SECRET": Self.secret, "GATEWAY_PORT": "\(port)", "GATEWAY_SHOP_REFRESH_SECONDS": "30",
            ])
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(10)) {
                gateway.log.contains("not listening until they are read")
            }, "\(gateway.log)")
            #expect(throws: TransportError.self, "no answer while the shops served are unknown") {
                try CurlTransport().get("http://127.0.0.1:\(port)/health", headers: [])
            }
            try database.execute(script: "ALTER TABLE shops_not_yet RENAME TO shops")
            try awaitHealth(gateway, port: port)
            #expect(try deliver("http://127.0.0.1:\(port)/webhooks/shopify", body: Array(#"{"id":1}"#.utf8)) == 200,
                    "\(gateway.log)")
        }

        @Test("a broker that never answers is met with 503 within the delivery deadline, under Shopify's five seconds")
        func silentBrokerAnsweredInTime() throws {
            let silent = try SilentListener()
            let (gateway, url) = try start(["AMQP_URL": "amqp://guest:guest@127.0.0.1:\(silent.port)/",
                                            "GATEWAY_DEADLINE_MS": "1000"], health: 503)
            let asked = ContinuousClock.now
            #expect(try deliver(url, body: Array(#"{"id":1}"#.utf8)) == 503, "\(gateway.log)")
            let answeredIn = ContinuousClock.now - asked
            #expect(answeredIn < .seconds(4), "answered in \(answeredIn)\n\(gateway.log)")
        }

        @Test("slow senders holding every delivery slot make other deliveries 503 at once; at the deadline they get 408 and let go",
              arguments: [
                  (["GATEWAY_MAX_IN_FLIGHT": "2"], 10),  // few bytes each, but every slot
                  (["GATEWAY_MAX_IN_FLIGHT_BYTES": "4096"], 2_040),  // 4,080 of 4,096 bytes
              ])
        func inFlightBounded(settings: [String: String], bytesSent: Int) throws {
            let port = IntegrationEnvironment.ListenPort.gateway()
            let (gateway, url) = try start(settings.merging(["GATEWAY_DEADLINE_MS": "2000"]) { $1 }, port: port)
            let slowSenders = try (0..<2).map { _ in
                let sender = try RawHTTPConnection(port: port)
                try sender.send("POST /webhooks/shopify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2048\r\n"
                                + Self.wellFormedHeaders + "\r\n" + String(repeating: " ", count: bytesSent))
                return sender
            }
            Thread.sleep(forTimeInterval: 0.5)
            let order = Array(#"{"id":1,"note":"one delivery more than the gateway may hold"}"#.utf8)
            #expect(try deliver(url, body: order) == 503, "\(gateway.log)")
            #expect(slowSenders.map { $0.responseStatus(within: 5) } == [408, 408], "\(gateway.log)")
            #expect(try deliver(url, body: order) == 200, "\(gateway.log)")
            #expect(try queued() == 1)
        }

        @Test("orders placed in the simulated store reach order-placed through the gateway: retried while it is down, duplicates kept as one webhook id")
        func simulatedStoreOrders() throws {
            let simulator = try SimulatorProcess()
            try simulator.client.seed(Self.shop, .init(
                token: "shpat_x", plan: "standard", locations: [.init(id: 1, name: "East"), .init(id: 2, name: "West")],
                items: [.init(sku: "TEE", levels: ["1": 1, "2": 5]), .init(sku: "CAP", levels: ["2": 3])]))
            let port = IntegrationEnvironment.ListenPort.gateway()
            try simulator.client.subscribe(Self.shop, address: "http://127.0.0.1:\(port)/webhooks/shopify", secret: Self.secret,
                                           duplicateRate: 1)
            // Placed while no gateway listens: Shopify keeps retrying.
            let order = try simulator.client.placeOrder(Self.shop, lines: [("TEE", 2), ("CAP", 1)])
            #expect(throws: SimulatorClient.Failure.self) { try simulator.client.placeOrder(Self.shop, lines: [("CAP", 10)]) }
            let levels = try simulator.client.levels(Self.shop).map { "\($0.sku!)@\($0.locationId.split(separator: "/").last!)=\($0.available)" }
            #expect(Set(levels) == ["TEE@1=1", "TEE@2=3", "CAP@2=2"], "routed to the one location that covers both lines")
            let (gateway, _) = try start(port: port)
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(30)) { try queued() == 2 },
                    "\(gateway.log)\n\(simulator.server.log)")
            let broker = try IntegrationEnvironment.broker()
            let deliveries = try (0..<2).map { _ in try #require(try broker.get(QueueTopology.orderPlaced)) }
            #expect(Set(deliveries.map(\.messageID)).count == 1, "a duplicate carries the same webhook id")
            #expect(deliveries.allSatisfy { $0.headers["x-shopify-topic"] == "orders/create" })
            let body = try JSONSerialization.jsonObject(with: Data(deliveries[0].body)) as? [String: Any]
            #expect(body?["id"] as? Int == order)
            #expect((body?["line_items"] as? [[String: Any]])?.compactMap { $0["sku"] as? String } == ["TEE", "CAP"])
            // Where Shopify took the stock, as the Admin API tells it.
            let connection = ShopConnection(shop: Self.shop, adminBaseURL: simulator.client.adminURL(Self.shop), accessToken: "shpat_x")
            let lines = try InventoryAPI(connection: connection, plainHTTPHosts: [], logger: Logger(label: "test"))
                .fulfillmentLines(orderID: "gid://shopify/Order/\(order)")
            #expect(lines?.map { "\($0.sku ?? "-")×\($0.quantity)@\($0.location)" }
                    == ["TEE×2@gid://shopify/Location/2", "CAP×1@gid://shopify/Location/2"])

            #expect(try InventoryAPI(connection: connection, plainHTTPHosts: [], logger: Logger(label: "test"))
                .fulfillmentLines(orderIDs: ["gid://shopify/Order/\(order)", "gid://shopify/Order/1"])
                == ["gid://shopify/Order/\(order)": lines ?? []], "the batched lookup agrees; an unknown order is left out")

            try simulator.client.cancelOrder(Self.shop, id: order, restock: true)
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(30)) { try queued() == 4 })
            #expect(Set(try simulator.client.levels(Self.shop).map(\.available)) == [1, 5, 3])
        }
    }
}
