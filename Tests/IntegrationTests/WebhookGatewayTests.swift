import Crypto
import Foundation
import StockSyncCore
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
            try ShopConfigurationStore(connection: database).upsertShop(Self.shop, defaultSafetyBuffer: 0)
            try PushStore(connection: database).connect(shop: Self.shop, apiVersion: .default, adminURL: nil, accessToken: "shpat_x")
        }

        private func start(_ environment: [String: String] = [:]) throws -> (WorkerProcess, String) {
            let port = Int.random(in: 30_000..<40_000)
            let gateway = try WorkerProcess("webhook-gateway", name: "webhook-gateway", environment: [
                "WEBHOOK_SECRET": Self.secret, "GATEWAY_PORT": "\(port)", "WEBHOOK_MAX_BODY_BYTES": "2048",
                "GATEWAY_SHOP_REFRESH_SECONDS": "1",
            ].merging(environment) { $1 })
            let url = "http://127.0.0.1:\(port)"
            let http = try CurlTransport()
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(20), every: .milliseconds(100)) {
                (try? http.get("\(url)/health", headers: []).status) == 200
            }, "\(gateway.log)")
            return (gateway, url + "/webhooks/shopify")
        }

        private func deliver(_ url: String, body: [UInt8], topic: String = "orders/create", shop: String = shop,
                             secret: String = secret, webhookID: String = UUID().uuidString, omit: String? = nil) throws -> Int {
            let signature = Data(HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8))))
                .base64EncodedString()
            let headers = [
                ("Content-Type", "application/json"), ("X-Shopify-Topic", topic), ("X-Shopify-Shop-Domain", shop),
                ("X-Shopify-Webhook-Id", webhookID), ("X-Shopify-Event-Id", UUID().uuidString),
                ("X-Shopify-Triggered-At", "2026-11-28T07:00:00.000Z"), ("X-Shopify-API-Version", "2026-07"),
                ("X-Shopify-Hmac-Sha256", signature),
            ].filter { $0.0 != omit }
            return try CurlTransport().post(url, headers: headers, body: body).status
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

        @Test("with RabbitMQ unreachable the gateway answers 503, so Shopify retries; a missing secret stops it at start")
        func brokerDownAndBadConfig() throws {
            let (gateway, url) = try start(["AMQP_URL": "amqp://guest:guest@127.0.0.1:1/"])
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(10)) {
                try deliver(url, body: Array(#"{"id":1}"#.utf8)) == 503
            }, "\(gateway.log)")
            #expect(try queued() == 0)
            let unconfigured = try WorkerProcess("webhook-gateway", name: "webhook-gateway-unconfigured",
                                                 environment: ["WEBHOOK_SECRET": ""])
            #expect(unconfigured.waitForExit(timeout: .seconds(10)) == 2)
            #expect(unconfigured.log.contains("WEBHOOK_SECRET"))
        }
    }
}
