#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One order as a state: what an `orders/create`, `orders/updated` or `orders/cancelled`
/// body (Shopify's order resource) says, reduced to what reservations need.
package struct OrderState: Sendable, Equatable {
    package struct Line: Sendable, Equatable {
        package var id: String
        /// The SKU at order time; nil when the variant had none.
        package var sku: String?
        /// Units ordered.
        package var quantity: Int
        /// Units still on the order: ordered, minus removed by edits and refunds.
        package var currentQuantity: Int

        package init(id: String, sku: String?, quantity: Int, currentQuantity: Int) {
            self.id = id
            self.sku = sku
            self.quantity = quantity
            self.currentQuantity = currentQuantity
        }
    }

    package var orderID: String
    package var name: String
    /// Shopify's `updated_at`: whole seconds, so two states of one second tie on it...
    package var updatedAt: Date
    /// ...and `X-Shopify-Triggered-At` of the event that carried the state breaks the tie
    /// (Shopify's retries of an event repeat it).
    package var triggeredAt: Date?
    package var cancelled: Bool
    package var lines: [Line]
    /// Refunds the state already counts in `currentQuantity`.
    package var refunds: [Refund]

    package init(orderID: String, name: String, updatedAt: Date, triggeredAt: Date? = nil, cancelled: Bool, lines: [Line],
                refunds: [Refund]) {
        self.orderID = orderID
        self.name = name
        self.updatedAt = updatedAt
        self.triggeredAt = triggeredAt
        self.cancelled = cancelled
        self.lines = lines
        self.refunds = refunds
    }

    /// Whether this state is newer than one with these times.
    package func isNewer(thanUpdatedAt updated: Date, triggeredAt triggered: Date?) -> Bool {
        (updatedAt, triggeredAt ?? .distantPast) > (updated, triggered ?? .distantPast)
    }
}

/// A refund (`refunds/create`, or one of an order's `refunds`), reduced to its lines.
package struct Refund: Sendable, Equatable {
    package struct Line: Sendable, Equatable {
        package var lineID: String
        package var sku: String?
        package var quantity: Int
        /// `no_restock`, `cancel`, `return` or `legacy_restock`.
        package var restockType: String
        /// Where restocked units went back, as a location GID.
        package var location: String?

        package init(lineID: String, sku: String?, quantity: Int, restockType: String, location: String?) {
            self.lineID = lineID
            self.sku = sku
            self.quantity = quantity
            self.restockType = restockType
            self.location = location
        }

        /// Whether Shopify put the units back into `available`.
        package var restocked: Bool { ["cancel", "return", "legacy_restock"].contains(restockType) }
    }

    package var id: String
    package var orderID: String
    package var lines: [Line]

    package init(id: String, orderID: String, lines: [Line]) {
        self.id = id
        self.orderID = orderID
        self.lines = lines
    }
}

/// One delivery from `order-placed`: Shopify's webhook headers (kept by the gateway) and body.
package struct OrderMessage: Sendable, Equatable {
    package enum Content: Sendable, Equatable {
        case order(OrderState)
        case refund(Refund)
    }

    /// `X-Shopify-Event-Id`: one per event, shared by Shopify's retries and duplicates.
    package var eventID: String
    package var shop: String
    package var topic: String
    package var content: Content

    package var orderID: String {
        switch content {
        case .order(let state): state.orderID
        case .refund(let refund): refund.orderID
        }
    }

    package init(eventID: String, shop: String, topic: String, content: Content) {
        self.eventID = eventID
        self.shop = shop
        self.topic = topic
        self.content = content
    }

    /// Reads a delivery; headers by lower-case name, as the gateway publishes them.
    package static func decode(headers: [String: String], body: [UInt8]) throws(ContractViolation) -> OrderMessage {
        typealias Contract = ShopifyWebhookContract
        let eventID = try Contract.Header.eventID.value(in: headers)
        let shop = try Contract.Header.shopDomain.value(in: headers)
        let topic = try Contract.Header.topic.value(in: headers)
        let content: Content
        if Contract.orderTopics.contains(topic) {
            var state = try decodeOrder(body)
            state.triggeredAt = headers[Contract.Header.triggeredAt.messageHeader].flatMap(Timestamp.parse)
            content = .order(state)
        } else if topic == Contract.refundTopic {
            content = .refund(try decodeRefund(body))
        } else {
            throw ContractViolation("topic \(topic.prefix(64)) is not one the order-worker reads")
        }
        return OrderMessage(eventID: eventID, shop: shop, topic: topic, content: content)
    }

    package static func decodeOrder(_ body: [UInt8]) throws(ContractViolation) -> OrderState {
        let wire: WireOrder = try decodeJSON(body, what: "order")
        guard let updatedAt = Timestamp.parse(wire.updated_at) else {
            throw ContractViolation("order `updated_at` is not an RFC 3339 date-time")
        }
        let lines = try wire.line_items.map { line throws(ContractViolation) -> OrderState.Line in
            guard line.quantity >= 0, (line.current_quantity ?? 0) >= 0 else {
                throw ContractViolation("line item \(line.id.text) has a negative quantity")
            }
            return OrderState.Line(id: line.id.text, sku: StockChangedContract.erpSKU(line.sku),
                                   quantity: line.quantity, currentQuantity: line.current_quantity ?? line.quantity)
        }
        return OrderState(orderID: wire.id.text, name: wire.name ?? "", updatedAt: updatedAt,
                          cancelled: wire.cancelled_at != nil, lines: lines,
                          refunds: try (wire.refunds ?? []).map { refund throws(ContractViolation) in
                              try Self.refund(refund, orderID: wire.id.text) })
    }

    static func decodeRefund(_ body: [UInt8]) throws(ContractViolation) -> Refund {
        let wire: WireRefund = try decodeJSON(body, what: "refund")
        guard let orderID = wire.order_id else { throw ContractViolation("refund has no `order_id`") }
        return try refund(wire, orderID: orderID.text)
    }

    private static func refund(_ wire: WireRefund, orderID: String) throws(ContractViolation) -> Refund {
        Refund(id: wire.id.text, orderID: orderID, lines: try (wire.refund_line_items ?? []).map {
            line throws(ContractViolation) -> Refund.Line in
            guard line.quantity >= 0 else { throw ContractViolation("refund line \(line.line_item_id.text) has a negative quantity") }
            return Refund.Line(lineID: line.line_item_id.text, sku: StockChangedContract.erpSKU(line.line_item?.sku),
                               quantity: line.quantity, restockType: line.restock_type ?? "no_restock",
                               location: line.location_id.map { "gid://shopify/Location/\($0.text)" })
        })
    }

    private static func decodeJSON<T: Decodable>(_ body: [UInt8], what: String) throws(ContractViolation) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(body))
        } catch let DecodingError.keyNotFound(key, _) {
            throw ContractViolation("\(what) body lacks `\(key.stringValue)`")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            throw ContractViolation("\(what) body has the wrong type at `\(path)`")
        } catch {
            throw ContractViolation("\(what) body is not valid JSON")
        }
    }
}

extension OrderState {
    /// The state as the body of an `orders/updated` delivery (Shopify's REST order resource,
    /// the fields `OrderMessage.decode` reads): how an order read from the Admin API, not
    /// delivered, enters the same order path.
    package var webhookBody: [UInt8] {
        let order = WireOrder(
            id: WireID(text: orderID), name: name, updated_at: Timestamp.format(updatedAt),
            // The state keeps only that the order was cancelled, not when: the reader asks no more.
            cancelled_at: cancelled ? Timestamp.format(updatedAt) : nil,
            line_items: lines.map { WireLine(id: WireID(text: $0.id), sku: $0.sku, quantity: $0.quantity,
                                             current_quantity: $0.currentQuantity) },
            refunds: refunds.map { refund in
                WireRefund(id: WireID(text: refund.id), order_id: WireID(text: refund.orderID),
                           refund_line_items: refund.lines.map { line in
                               WireRefundLine(line_item_id: WireID(text: line.lineID), quantity: line.quantity,
                                              restock_type: line.restockType,
                                              location_id: line.location.map { WireID(text: ShopifyGID.number(of: $0)) },
                                              line_item: WireRefundedItem(sku: line.sku))
                           })
            })
        let encoder = JSONEncoder()
        // The same state is the same bytes, so `backfillDelivery` names it the same each time.
        encoder.outputFormatting = .sortedKeys
        // Encoding plain strings, numbers and arrays of them cannot fail.
        return Array(try! encoder.encode(order))
    }
}

/// Shopify's numeric ids; a string id is taken as it is (and written back as it came).
private struct WireID: Codable {
    let text: String

    init(text: String) {
        self.text = text
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Int64.self) {
            text = String(number)
        } else {
            text = try container.decode(String.self)
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let number = Int64(text), String(number) == text { try container.encode(number) } else { try container.encode(text) }
    }
}

// Field names as Shopify's REST resources spell them.
private struct WireOrder: Codable {
    let id: WireID
    let name: String?
    let updated_at: String
    let cancelled_at: String?
    let line_items: [WireLine]
    let refunds: [WireRefund]?
}

private struct WireLine: Codable {
    let id: WireID
    let sku: String?
    let quantity: Int
    let current_quantity: Int?
}

private struct WireRefund: Codable {
    let id: WireID
    let order_id: WireID?
    let refund_line_items: [WireRefundLine]?
}

private struct WireRefundLine: Codable {
    let line_item_id: WireID
    let quantity: Int
    let restock_type: String?
    let location_id: WireID?
    let line_item: WireRefundedItem?
}

private struct WireRefundedItem: Codable {
    let sku: String?
}
