import Crypto
import Foundation
import ShopifyWebhooks
import StockSyncDomain
import TestSupport
import Testing

/// Every answer the gateway gives a webhook delivery, from headers and body alone.
@Suite("Webhook intake")
struct WebhookIntakeTests {
    static let secret = "7008c5f4da4718b9b45d26d3fcbbb157"
    let intake = WebhookIntake(secrets: [secret], maximumBodyBytes: 4_096)

    static func sign(_ body: [UInt8], secret: String = secret) -> String {
        Data(HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Array(secret.utf8)))).base64EncodedString()
    }

    static let order = Array(#"{"id":820982911946154508,"line_items":[]}"#.utf8)

    static func headers(_ body: [UInt8], topic: String = "orders/create", signature: String? = nil,
                        without: String? = nil) -> [String: String] {
        var headers = [
            "x-shopify-topic": topic, "x-shopify-shop-domain": "brand.myshopify.com",
            "x-shopify-webhook-id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043", "x-shopify-event-id": "98880550-7158-44d4-b7cd-2c97c8a091b5",
            "x-shopify-triggered-at": "2026-11-28T07:00:00.000Z", "x-shopify-api-version": "2026-07",
            "x-shopify-hmac-sha256": signature ?? sign(body),
        ]
        if let without { headers.removeValue(forKey: without.lowercased()) }
        return headers
    }

    func decide(_ body: [UInt8], _ headers: [String: String], intake: WebhookIntake? = nil) -> WebhookIntake.Decision {
        (intake ?? self.intake).decide(header: { headers[$0.lowercased()] }, body: body,
                                       isKnownShop: { $0 == "brand.myshopify.com" })
    }

    @Test("Shopify's own test vector verifies")
    func shopifyTestVector() {
        #expect(intake.isSigned(Array(#"{"foo":"bar"}"#.utf8), signature: "+R9TwYM4mbLTk3hEAOBkpA7zW2lc9vNFmVKs2u2jtyY="))
        #expect(Self.sign(Array(#"{"foo":"bar"}"#.utf8)) == "+R9TwYM4mbLTk3hEAOBkpA7zW2lc9vNFmVKs2u2jtyY=")
    }

    @Test("a signed delivery of an order topic or app/uninstalled is published, keyed by its webhook id, with its headers")
    func signedOrderIsPublished() {
        guard case .publish(let id, let headers) = decide(Self.order, Self.headers(Self.order)) else {
            Issue.record("not published")
            return
        }
        #expect(id == "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
        #expect(headers.map(\.0) == ShopifyWebhookContract.requiredHeaders.map(\.messageHeader))
        #expect(headers.first { $0.0 == "x-shopify-topic" }?.1 == "orders/create")
        let shop = Array(#"{"id":548380009,"myshopify_domain":"brand.myshopify.com"}"#.utf8)
        guard case .publish = decide(shop, Self.headers(shop, topic: "app/uninstalled")) else {
            Issue.record("app/uninstalled not published")
            return
        }
    }

    @Test("wrong secret, tampered body, bad or missing signature: 401", arguments: ["wrong secret", "tampered", "garbage", "missing"])
    func badSignatures(case name: String) {
        var body = Self.order
        var headers = Self.headers(body)
        switch name {
        case "wrong secret": headers["x-shopify-hmac-sha256"] = Self.sign(body, secret: "another-secret")
        case "tampered": body[body.count - 3] = UInt8(ascii: "7")
        case "garbage": headers["x-shopify-hmac-sha256"] = "not base64 at all!"
        default: headers.removeValue(forKey: "x-shopify-hmac-sha256")
        }
        #expect(decide(body, headers) == .reject(status: 401, reason: "missing or wrong X-Shopify-Hmac-Sha256"))
    }

    @Test("during a secret rotation the previous secret still verifies")
    func previousSecret() {
        let rotating = WebhookIntake(secrets: ["new-secret", Self.secret], maximumBodyBytes: 4_096)
        if case .publish = decide(Self.order, Self.headers(Self.order), intake: rotating) {} else { Issue.record("refused") }
    }

    @Test("a missing delivery header is a 400", arguments: ShopifyWebhookContract.requiredHeaders.map(\.name))
    func missingHeader(name: String) {
        #expect(decide(Self.order, Self.headers(Self.order, without: name)) == .reject(status: 400, reason: "missing header \(name)"))
    }

    @Test("too large, unknown shop, not JSON, other topics")
    func otherAnswers() {
        let large = Array(repeating: UInt8(ascii: " "), count: 4_097)
        #expect(decide(large, Self.headers(large)) == .reject(status: 413, reason: "body larger than 4096 bytes"))
        var headers = Self.headers(Self.order)
        headers["x-shopify-shop-domain"] = "stranger.myshopify.com"
        #expect(decide(Self.order, headers) == .reject(status: 404, reason: "unknown shop stranger.myshopify.com"))
        let text = Array("hello".utf8)
        #expect(decide(text, Self.headers(text)) == .reject(status: 400, reason: "body is not a JSON object"))
        #expect(decide(Self.order, Self.headers(Self.order, topic: "products/update")) == .ignore(topic: "products/update"))
    }

    @Test("a body that is not one whole JSON object is a 400, wherever the fault lies",
          arguments: ["[1]", #""order""#, #"{"id":1"#, #"{"id":1} x"#, #"{"line_items":[{"sku":"A"]}"#,
                      #"{"note":"\u12"}"#, #"{"a":{"b":[1,2}}"#])
    func malformedBodies(_ text: String) {
        let body = Array(text.utf8)
        #expect(decide(body, Self.headers(body)) == .reject(status: 400, reason: "body is not a JSON object"))
    }

    @Test("the real order resource from Shopify's fixtures is accepted as it comes")
    func realOrderPayload() throws {
        let body = try Fixtures.orderExample()
        let big = WebhookIntake(secrets: [Self.secret], maximumBodyBytes: 1 << 20)
        if case .publish = decide(body, Self.headers(body), intake: big) {} else { Issue.record("refused") }
    }
}
