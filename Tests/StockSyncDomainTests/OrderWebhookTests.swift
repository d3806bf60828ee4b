import Foundation
import StockSyncDomain
import TestSupport
import Testing

@Suite("Order webhook payloads")
struct OrderWebhookTests {
    static var example: [UInt8] { get throws { try Fixtures.orderExample() } }

    static func headers(topic: String = "orders/create") -> [String: String] {
        ["x-shopify-event-id": "event-1", "x-shopify-shop-domain": "brand.myshopify.com", "x-shopify-topic": topic]
    }

    @Test("Shopify's own order resource reads as lines, quantities and its refund")
    func realOrder() throws {
        let message = try OrderMessage.decode(headers: Self.headers(), body: Self.example)
        #expect(message.eventID == "event-1" && message.shop == "brand.myshopify.com" && message.orderID == "450789469")
        guard case .order(let state) = message.content else { Issue.record("not an order"); return }
        #expect(state.name == "#1001")
        #expect(!state.cancelled)
        #expect(state.lines == [
            OrderState.Line(id: "466157049", sku: "IPOD2008GREEN", quantity: 1, currentQuantity: 0),
            OrderState.Line(id: "518995019", sku: "IPOD2008RED", quantity: 1, currentQuantity: 0),
            OrderState.Line(id: "703073504", sku: "IPOD2008BLACK", quantity: 1, currentQuantity: 0),
        ])
        #expect(state.refunds.count == 1)
        #expect(state.refunds[0].id == "929361469")
        #expect(state.refunds[0].lines.map(\.quantity) == [1, 1, 1])
        #expect(state.refunds[0].lines.allSatisfy { !$0.restocked && $0.restockType == "no_restock" })
        #expect(state.updatedAt == ISO8601DateFormatter().date(from: "2024-01-02T14:04:02Z"))
        #expect(state.triggeredAt == nil)
        var headers = Self.headers()
        headers["x-shopify-triggered-at"] = "2023-03-29T18:00:27.877041743Z"
        guard case .order(let triggered) = try OrderMessage.decode(headers: headers, body: Self.example).content else { return }
        #expect(abs(triggered.triggeredAt!.timeIntervalSince1970 - 1_680_112_827.877) < 0.001)
    }

    @Test("app/uninstalled reads as the shop and the time Shopify triggered it; without that time it is refused")
    func appUninstalled() throws {
        var headers = Self.headers(topic: "app/uninstalled")
        let body = Array(#"{"id":548380009,"name":"Brand","myshopify_domain":"brand.myshopify.com"}"#.utf8)
        #expect(throws: ContractViolation("missing header x-shopify-triggered-at")) {
            try ShopifyWebhookMessage.decode(headers: headers, body: body)
        }
        headers["x-shopify-triggered-at"] = "yesterday"
        #expect(throws: ContractViolation("header x-shopify-triggered-at is not an RFC 3339 date-time")) {
            try ShopifyWebhookMessage.decode(headers: headers, body: body)
        }
        headers["x-shopify-triggered-at"] = "2026-12-04T10:00:00.250Z"
        #expect(try ShopifyWebhookMessage.decode(headers: headers, body: body) == .appUninstalled(AppUninstalled(
            shop: "brand.myshopify.com", eventID: "event-1", uninstalledAt: Date(timeIntervalSince1970: 1_796_378_400.25))))
        guard case .order(let order) = try ShopifyWebhookMessage.decode(headers: Self.headers(), body: Self.example) else {
            Issue.record("an order read as something else")
            return
        }
        #expect(order.orderID == "450789469")
    }

    @Test("a state written as a webhook body reads back as itself: ids, SKUs, quantities, cancellation, refunds")
    func webhookBodyRoundTrips() throws {
        let states = [
            OrderState(orderID: "450789469", name: "#1001", updatedAt: Date(timeIntervalSince1970: 1_796_378_400), cancelled: false,
                       lines: [.init(id: "1", sku: "TEE", quantity: 3, currentQuantity: 1), .init(id: "2", sku: nil, quantity: 1, currentQuantity: 1)],
                       refunds: [Refund(id: "9", orderID: "450789469", lines: [
                           .init(lineID: "1", sku: "TEE", quantity: 2, restockType: "return", location: "gid://shopify/Location/7"),
                           .init(lineID: "2", sku: nil, quantity: 0, restockType: "no_restock", location: nil),
                       ])]),
            OrderState(orderID: "order-α", name: "", updatedAt: Date(timeIntervalSince1970: 1_796_378_400.5), cancelled: true,
                       lines: [], refunds: []),
        ]
        for state in states {
            #expect(try OrderMessage.decodeOrder(state.webhookBody) == state)
        }
    }

    @Test("a state read back is an orders/updated delivery: one event per state, triggered when the read began")
    func backfillDelivery() throws {
        let state = OrderState(orderID: "7", name: "#7", updatedAt: Date(timeIntervalSince1970: 1_796_378_400), cancelled: false,
                               lines: [.init(id: "1", sku: "TEE", quantity: 2, currentQuantity: 2)], refunds: [])
        let readAt = Date(timeIntervalSince1970: 1_796_378_460.25)
        let delivery = state.backfillDelivery(shop: "brand.myshopify.com", readAt: readAt, apiVersion: "2026-07")
        let headers = Dictionary(uniqueKeysWithValues: delivery.headers)
        #expect(headers.keys.sorted() == ShopifyWebhookContract.requiredHeaders.map(\.messageHeader).sorted())
        guard case .order(let message) = try ShopifyWebhookMessage.decode(headers: headers, body: delivery.body),
              case .order(let read) = message.content
        else { Issue.record("not an order"); return }
        #expect(message.topic == "orders/updated" && message.shop == "brand.myshopify.com" && message.eventID == delivery.messageID)
        #expect(read.triggeredAt == readAt)
        var sameWithoutTime = read
        sameWithoutTime.triggeredAt = nil
        #expect(sameWithoutTime == state)
        #expect(state.backfillDelivery(shop: "brand.myshopify.com", readAt: .now, apiVersion: "2026-07").messageID == delivery.messageID,
                "read again later, the same state is the same event")
        var cancelled = state
        cancelled.cancelled = true
        #expect(cancelled.backfillDelivery(shop: "brand.myshopify.com", readAt: readAt, apiVersion: "2026-07").messageID
                != delivery.messageID, "another state of the same second is another event")
    }

    @Test("Shopify's listing is news unless the state recorded is newer, or of its second and the same in every line")
    func listingIsNews() {
        let second = Date(timeIntervalSince1970: 1_796_378_400)
        let listed = OrderSummary(orderID: "7", updatedAt: second, cancelled: false, currentQuantities: ["1": 2, "2": 1])
        func recorded(_ updatedAt: Date = second, cancelled: Bool = false, lines: [String: Int]? = ["1": 2, "2": 1]) -> OrderSummary {
            OrderSummary(orderID: "7", updatedAt: updatedAt, cancelled: cancelled, currentQuantities: lines)
        }
        #expect(listed.isNews(comparedWith: nil), "never heard of")
        #expect(listed.isNews(comparedWith: recorded(second.addingTimeInterval(-1))), "an older state")
        #expect(!listed.isNews(comparedWith: recorded(second.addingTimeInterval(1))), "a newer state: listed late")
        #expect(!listed.isNews(comparedWith: recorded()), "the same state")
        #expect(listed.isNews(comparedWith: recorded(cancelled: true)), "an earlier change of the same second")
        #expect(listed.isNews(comparedWith: recorded(lines: ["1": 2, "2": 0])))
        #expect(listed.isNews(comparedWith: recorded(lines: ["1": 2])), "a line the recorded state lacks")
        var partial = listed
        partial.currentQuantities = nil
        #expect(partial.isNews(comparedWith: recorded()), "lines not all listed: cannot tell")
    }

    @Test("a refunds/create body is the refund resource, with its order id and restock locations")
    func refund() throws {
        let body = Array(#"""
            {"id":929361470,"order_id":450789469,"created_at":"2024-01-03T09:00:00-05:00","restock":true,
             "refund_line_items":[{"id":1,"line_item_id":466157049,"location_id":487838322,"quantity":2,
               "restock_type":"return","line_item":{"id":466157049,"sku":"IPOD2008GREEN"}}],"transactions":[]}
            """#.utf8)
        let message = try OrderMessage.decode(headers: Self.headers(topic: "refunds/create"), body: body)
        #expect(message.content == .refund(Refund(id: "929361470", orderID: "450789469", lines: [
            Refund.Line(lineID: "466157049", sku: "IPOD2008GREEN", quantity: 2, restockType: "return",
                        location: "gid://shopify/Location/487838322"),
        ])))
        if case .refund(let refund) = message.content { #expect(refund.lines[0].restocked) }
    }

    @Test("a line whose SKU is not in NFC has no ERP SKU: no ERP SKU has its bytes, though Swift would match it to one")
    func lineSKUNotInNFC() throws {
        let body = Array(#"""
            {"id":7,"updated_at":"2026-11-28T07:00:00Z","line_items":[
             {"id":1,"sku":"CAF\u00C9","quantity":1},{"id":2,"sku":"CAFE\u0301","quantity":1}]}
            """#.utf8)
        let message = try OrderMessage.decode(headers: Self.headers(), body: body)
        guard case .order(let order) = message.content else {
            Issue.record("not an order")
            return
        }
        #expect(order.lines.map(\.sku) == ["CAF\u{00C9}", nil])
    }

    @Test("cancelled_at marks the order cancelled")
    func cancelled() throws {
        let body = Array(#"{"id":7,"updated_at":"2026-11-28T07:00:00Z","cancelled_at":"2026-11-28T07:00:00Z","line_items":[]}"#.utf8)
        let message = try OrderMessage.decode(headers: Self.headers(topic: "orders/cancelled"), body: body)
        #expect(message.content == .order(OrderState(orderID: "7", name: "", updatedAt: Date(timeIntervalSince1970: 1_795_849_200),
                                                     cancelled: true, lines: [], refunds: [])))
    }

    @Test("what cannot be read is refused with a reason", arguments: [
        (["x-shopify-shop-domain": "s", "x-shopify-topic": "orders/create"], "{}", "missing header x-shopify-event-id"),
        (headers(topic: "products/update"), "{}", "topic products/update is not one the order-worker reads"),
        (headers(), "not json", "order body is not valid JSON"),
        (headers(), #"{"id":1,"line_items":[]}"#, "order body lacks `updated_at`"),
        (headers(), #"{"id":1,"updated_at":"yesterday","line_items":[]}"#, "order `updated_at` is not an RFC 3339 date-time"),
        (headers(), #"{"id":1,"updated_at":"2026-11-28T07:00:00Z","line_items":[{"id":2,"quantity":"two"}]}"#,
         "order body has the wrong type at `line_items.0.quantity`"),
        (headers(), #"{"id":1,"updated_at":"2026-11-28T07:00:00Z","line_items":[{"id":2,"quantity":-1}]}"#,
         "line item 2 has a negative quantity"),
        (headers(topic: "refunds/create"), #"{"id":1,"refund_line_items":[]}"#, "refund has no `order_id`"),
    ])
    func refusals(headers: [String: String], body: String, reason: String) {
        #expect(throws: ContractViolation(reason)) { try OrderMessage.decode(headers: headers, body: Array(body.utf8)) }
    }
}
