import Foundation
import GraphQL
import ShopifyWebhooks
import StockSyncDomain
import StockSyncRuntime
import StockSyncShopify

/// The storefront side of a simulated store: orders placed and cancelled, with stock
/// deducted the way Shopify does it and order webhooks delivered, signed, to the subscribed
/// address (at least once: retried until answered 2xx, sometimes twice, sometimes late).
extension ShopifySimulator {
    package struct Subscription: Codable, Sendable {
        package var address: String
        package var secret: String
        package var apiVersion: String?
        package var duplicateRate: Double?
        package var reorderMilliseconds: Int?
        /// Attempts per delivery before it is given up (Shopify: 8); fewer make its retry
        /// window seconds long, for tests of what a lost delivery leaves behind.
        package var attempts: Int?
        /// Topics delivered (Shopify delivers only those subscribed); by default the order
        /// topics, `refunds/create` and `app/uninstalled`.
        package var topics: [String]?

        package static let defaultTopics = ShopifyWebhookContract.orderTopics
            .union([ShopifyWebhookContract.refundTopic, ShopifyWebhookContract.appUninstalledTopic])
    }

    package func subscribe(shop domain: String, _ subscription: Subscription) throws {
        try withShop(domain) { shop in
            shop.webhooks = .init(address: subscription.address, secret: subscription.secret,
                                  apiVersion: subscription.apiVersion ?? ShopifyAPIVersion.default.description,
                                  duplicateRate: subscription.duplicateRate ?? 0,
                                  reorderMilliseconds: subscription.reorderMilliseconds ?? 0,
                                  attempts: max(1, subscription.attempts ?? 8),
                                  topics: subscription.topics.map(Set.init) ?? Subscription.defaultTopics)
        }
    }

    package struct OrderRequest: Codable, Sendable {
        package struct Line: Codable, Sendable {
            package var sku: String
            package var quantity: Int

            package init(sku: String, quantity: Int) {
                self.sku = sku
                self.quantity = quantity
            }
        }
        package var lines: [Line]
        /// Shopify splits an order into several fulfillment orders (by delivery profile, or
        /// a merchant's split): the lines in consecutive groups of these sizes, all at the
        /// location the order took its stock at. nil: one fulfillment order.
        package var fulfillmentOrderSizes: [Int]?

        package init(lines: [Line], fulfillmentOrderSizes: [Int]? = nil) {
            self.lines = lines
            self.fulfillmentOrderSizes = fulfillmentOrderSizes
        }
    }

    package struct OrderRefused: Error, CustomStringConvertible {
        package let description: String
    }

    /// Places an order. Shopify's routing, simplified: the first location (by id) that
    /// stocks every line and can cover it; failing that, with every line's item allowed to
    /// oversell, the first location that stocks them all. Returns the order resource.
    package func placeOrder(shop domain: String, _ request: OrderRequest) throws -> [String: any Sendable] {
        let sizes = request.fulfillmentOrderSizes ?? (request.lines.isEmpty ? [] : [request.lines.count])
        guard sizes.allSatisfy({ $0 > 0 }), sizes.reduce(0, +) == request.lines.count else {
            throw OrderRefused(description: "fulfillment order sizes \(sizes) do not split the order's \(request.lines.count) line(s)")
        }
        let (order, subscription, body) = try withShop(domain) { shop -> (Int, SimulatedShop.DeliveryTargets, [UInt8]) in
            var items: [Int] = []
            for line in request.lines {
                guard line.quantity > 0, let item = shop.itemOrder.first(where: { shop.items[$0]?.sku == line.sku }) else {
                    throw OrderRefused(description: "no product with SKU \(line.sku) (or a quantity below 1)")
                }
                items.append(item)
            }
            let stocking = shop.locations.keys.sorted().filter { location in
                items.allSatisfy { shop.levels[.init(item: $0, location: location)] != nil }
            }
            let covering = stocking.first { location in
                zip(items, request.lines).allSatisfy { shop.levels[.init(item: $0, location: location)]!.available >= $1.quantity }
            }
            guard let location = covering ?? (items.allSatisfy({ shop.items[$0]!.oversells }) ? stocking.first : nil) else {
                throw OrderRefused(description: "not enough stock for this order at any location")
            }
            let now = Date()
            var order = SimulatedShop.Order(id: shop.storefrontIDBase + shop.newID(), number: 1_000 + shop.orders.count + 1,
                                            lines: [], fulfillmentOrderSizes: sizes, location: location,
                                            createdAt: now, updatedAt: now)
            for (item, line) in zip(items, request.lines) {
                let key = SimulatedShop.LevelKey(item: item, location: location)
                shop.setAvailable(key, to: shop.levels[key]!.available - line.quantity, now: wallClock)
                shop.levels[key]!.onHand += line.quantity  // committed, not yet shipped
                order.lines.append(.init(id: shop.storefrontIDBase + shop.newID(), item: item, quantity: line.quantity,
                                         current: line.quantity))
            }
            shop.orders[order.id] = order
            return (order.id, shop.deliveryTargets(app), Array(try JSONSerialization.data(withJSONObject: Self.resource(order, in: shop))))
        }
        deliver(shop: domain, topic: "orders/create", body: body, to: subscription)
        return try withShop(domain) { shop in Self.resource(shop.orders[order]!, in: shop) }
    }

    /// Cancels an order; with `restock`, its units go back to where they were taken.
    package func cancelOrder(shop domain: String, id: Int, restock: Bool) throws {
        let (subscription, body) = try withShop(domain) { shop -> (SimulatedShop.DeliveryTargets, [UInt8]) in
            guard var order = shop.orders[id], order.cancelledAt == nil else {
                throw OrderRefused(description: "no open order \(id)")
            }
            // Shopify cancels with a refund of what is left on the order, restocked or not.
            let now = Date()
            let open = order.lines.filter { $0.current > 0 }
            if !open.isEmpty {
                order.refunds.append(.init(id: shop.storefrontIDBase + shop.newID(), createdAt: now,
                                           lines: open.map { ($0.id, $0.current, restock ? "cancel" : "no_restock") }))
            }
            for index in order.lines.indices where order.lines[index].current > 0 {
                if restock { Self.restock(order.lines[index].item, order.lines[index].current, at: order.location, in: &shop, now: wallClock) }
                order.lines[index].current = 0
            }
            order.cancelledAt = now
            order.updatedAt = now
            shop.orders[id] = order
            return (shop.deliveryTargets(app), Array(try JSONSerialization.data(withJSONObject: Self.resource(order, in: shop))))
        }
        deliver(shop: domain, topic: "orders/cancelled", body: body, to: subscription)
        deliver(shop: domain, topic: "orders/updated", body: body, to: subscription)
    }

    package struct LineChange: Codable, Sendable {
        /// The line, by SKU.
        package var sku: String
        package var quantity: Int

        package init(sku: String, quantity: Int) {
            self.sku = sku
            self.quantity = quantity
        }
    }

    package enum LineAction: String, CaseIterable, Sendable {
        case edit, refund
    }

    /// Edits or refunds lines of an order (`/_simulator/shops/:shop/orders/:order/edit|refund`).
    package func change(_ action: LineAction, shop domain: String, id: Int, _ lines: [LineChange], restock: Bool) throws {
        switch action {
        case .edit: try editOrder(shop: domain, id: id, lines, restock: restock)
        case .refund: try refundOrder(shop: domain, id: id, lines, restock: restock)
        }
    }

    /// An order edit: each named line's quantity becomes `quantity`. More units are deducted
    /// where the order took its stock; fewer are put back there when `restock` (Shopify's
    /// `orderEditSetQuantity(restock:)`). Sends `orders/updated`.
    package func editOrder(shop domain: String, id: Int, _ changes: [LineChange], restock: Bool) throws {
        let (subscription, body) = try withShop(domain) { shop -> (SimulatedShop.DeliveryTargets, [UInt8]) in
            guard var order = shop.orders[id], order.cancelledAt == nil else { throw OrderRefused(description: "no open order \(id)") }
            for change in changes {
                guard change.quantity >= 0,
                      let index = order.lines.firstIndex(where: { shop.items[$0.item]?.sku == change.sku }) else {
                    throw OrderRefused(description: "order \(id) has no line with SKU \(change.sku)")
                }
                let line = order.lines[index]
                let key = SimulatedShop.LevelKey(item: line.item, location: order.location)
                if change.quantity > line.current {
                    shop.setAvailable(key, to: shop.levels[key]!.available - (change.quantity - line.current), now: wallClock)
                    shop.levels[key]!.onHand += change.quantity - line.current
                } else if restock {
                    Self.restock(line.item, line.current - change.quantity, at: order.location, in: &shop, now: wallClock)
                }
                order.lines[index].current = change.quantity
            }
            order.updatedAt = Date()
            shop.orders[id] = order
            return (shop.deliveryTargets(app), Array(try JSONSerialization.data(withJSONObject: Self.resource(order, in: shop))))
        }
        deliver(shop: domain, topic: "orders/updated", body: body, to: subscription)
    }

    /// A refund of units of lines, restocked (`return`) or not. Sends `refunds/create` and
    /// `orders/updated`, as Shopify does.
    package func refundOrder(shop domain: String, id: Int, _ lines: [LineChange], restock: Bool) throws {
        let (subscription, refundBody, orderBody) = try withShop(domain) {
            shop -> (SimulatedShop.DeliveryTargets, [UInt8], [UInt8]) in
            guard var order = shop.orders[id] else { throw OrderRefused(description: "no order \(id)") }
            var refund = SimulatedShop.Refund(id: shop.storefrontIDBase + shop.newID(), createdAt: Date(), lines: [])
            for change in lines {
                guard change.quantity > 0, let index = order.lines.firstIndex(where: { shop.items[$0.item]?.sku == change.sku }),
                      order.lines[index].current >= change.quantity else {
                    throw OrderRefused(description: "order \(id) has no \(change.quantity) unit(s) of \(change.sku) to refund")
                }
                if restock { Self.restock(order.lines[index].item, change.quantity, at: order.location, in: &shop, now: wallClock) }
                order.lines[index].current -= change.quantity
                refund.lines.append((order.lines[index].id, change.quantity, restock ? "return" : "no_restock"))
            }
            order.refunds.append(refund)
            order.updatedAt = refund.createdAt
            shop.orders[id] = order
            return (shop.deliveryTargets(app), Array(try JSONSerialization.data(withJSONObject: Self.refundResource(refund, of: order, in: shop))),
                    Array(try JSONSerialization.data(withJSONObject: Self.resource(order, in: shop))))
        }
        deliver(shop: domain, topic: "refunds/create", body: refundBody, to: subscription)
        deliver(shop: domain, topic: "orders/updated", body: orderBody, to: subscription)
    }

    private static func restock(_ item: Int, _ units: Int, at location: Int, in shop: inout SimulatedShop, now: Double) {
        let key = SimulatedShop.LevelKey(item: item, location: location)
        shop.setAvailable(key, to: shop.levels[key]!.available + units, now: now)
        shop.levels[key]!.onHand -= units
    }

    /// The order as Shopify's REST resource (and `orders/*` webhook body) has it, with the
    /// fields stocksync reads.
    static func resource(_ order: SimulatedShop.Order, in shop: SimulatedShop) -> [String: any Sendable] {
        return [
            "id": order.id, "admin_graphql_api_id": "gid://shopify/Order/\(order.id)", "name": "#\(order.number)",
            "order_number": order.number, "created_at": order.createdAt.formatted(.iso8601),
            "updated_at": order.updatedAt.formatted(.iso8601), "currency": "USD", "financial_status": "paid",
            "cancelled_at": order.cancelledAt.map { $0.formatted(.iso8601) } ?? NSNull(),
            "location_id": NSNull(),
            "line_items": order.lines.map { line -> [String: any Sendable] in
                [
                    "id": line.id, "admin_graphql_api_id": "gid://shopify/LineItem/\(line.id)",
                    "sku": shop.items[line.item]?.sku ?? NSNull(), "variant_id": 39_072_856_000 + line.item,
                    "quantity": line.quantity, "current_quantity": line.current,
                    "fulfillable_quantity": line.current, "requires_shipping": true,
                ]
            },
            "refunds": order.refunds.map { refundResource($0, of: order, in: shop) },
        ]
    }

    /// The refund as Shopify's REST resource (and `refunds/create` body) has it.
    static func refundResource(_ refund: SimulatedShop.Refund, of order: SimulatedShop.Order,
                               in shop: SimulatedShop) -> [String: any Sendable] {
        [
            "id": refund.id, "admin_graphql_api_id": "gid://shopify/Refund/\(refund.id)", "order_id": order.id,
            "created_at": refund.createdAt.formatted(.iso8601),
            "restock": refund.lines.contains { $0.restockType != "no_restock" }, "transactions": [] as [any Sendable],
            "refund_line_items": refund.lines.enumerated().map { index, entry -> [String: any Sendable] in
                let item = order.lines.first { $0.id == entry.line }?.item
                return [
                    "id": refund.id * 10 + index, "line_item_id": entry.line, "quantity": entry.quantity,
                    "restock_type": entry.restockType,
                    "location_id": entry.restockType == "no_restock" ? NSNull() : order.location,
                    "line_item": ["id": entry.line, "sku": item.flatMap { shop.items[$0]?.sku } ?? NSNull()] as [String: any Sendable],
                ]
            },
        ]
    }

    /// `QueryRoot.order`: the order with its line items, refunds and fulfillment orders,
    /// each assigned to the location whose stock was deducted.
    func order(_ domain: String, id: String) throws -> Object? {
        let shop = try shop(domain)
        guard let number = Gid.number(id, type: "Order"), let order = shop.orders[number] else { return nil }
        return Self.orderObject(order, in: shop)
    }

    /// `QueryRoot.orders`, sorted by `UPDATED_AT` (then id) and filtered by `updated_at`, as
    /// the search syntax writes it (https://shopify.dev/docs/api/usage/search-syntax):
    /// `updated_at:>='2026-12-04T10:00:00Z'`. Shopify's `updated_at` has whole seconds.
    func orders(_ domain: String, first: Int?, after: String?, query: String?, sortKey: String?) throws -> Object {
        guard sortKey == "UPDATED_AT" else { throw GraphQLError(message: "The simulator sorts orders by UPDATED_AT only") }
        let since = try query.map(Self.updatedSince)
        let shop = try shop(domain)
        func key(_ order: SimulatedShop.Order) -> (second: Int, id: Int) {
            (Int(order.updatedAt.timeIntervalSince1970), order.id)
        }
        let sorted = shop.orders.values
            .filter { order in since.map { Double(key(order).second) >= $0.timeIntervalSince1970 } ?? true }
            .sorted { key($0) < key($1) }
        // Cursors are the sort key itself ("second:id"), so a page after an order still finds
        // its place when that order has moved on meanwhile.
        let position = after.flatMap { cursor -> (second: Int, id: Int)? in
            let parts = cursor.split(separator: ":").compactMap { Int($0) }
            return parts.count == 2 ? (parts[0], parts[1]) : nil
        }
        if after != nil && position == nil { throw GraphQLError(message: "Invalid cursor: \(after ?? "")") }
        let start = position.map { position in sorted.firstIndex { key($0) > position } ?? sorted.count } ?? 0
        guard let first, (0...250).contains(first) else {
            throw GraphQLError(message: "The maximum number of records that can be returned is 250")
        }
        let page = sorted[start..<min(sorted.count, start + first)]
        return Self.connection(page.map { Self.orderObject($0, in: shop) }, cursors: page.map { "\(key($0).second):\(key($0).id)" },
                               hasNextPage: start + page.count < sorted.count, hasPreviousPage: start > 0)
    }

    /// The time of `updated_at:>=<date>` (quoted or not); the simulator searches orders by nothing else.
    private static func updatedSince(_ query: String) throws -> Date {
        let prefix = "updated_at:>="
        guard query.hasPrefix(prefix),
              let date = Timestamp.parse(query.dropFirst(prefix.count).trimmingCharacters(in: CharacterSet(charactersIn: "'\" ")))
        else { throw GraphQLError(message: "The simulator searches orders by updated_at:>='<date>' only") }
        return date
    }

    static func orderObject(_ order: SimulatedShop.Order, in shop: SimulatedShop) -> Object {
        let fulfillmentOrders = Self.fulfillmentOrders(of: order, in: shop)
        func lineItem(_ id: Int) -> Object {
            let line = order.lines.first { $0.id == id }
            return ["id": "gid://shopify/LineItem/\(id)", "sku": line.flatMap { shop.items[$0.item]?.sku },
                    "quantity": line?.quantity ?? 0, "currentQuantity": line?.current ?? 0]
        }
        let location = shop.locations[order.location].map(Self.locationObject)
        var object: Object = [
            "id": "gid://shopify/Order/\(order.id)", "legacyResourceId": String(order.id), "name": "#\(order.number)",
            "updatedAt": order.updatedAt.formatted(.iso8601),
            "lineItems": NestedConnection(ids: order.lines.map(\.id), nodes: order.lines.map { lineItem($0.id) }),
            "refunds": order.refunds.map { refund -> Object in
                let lines: [Object] = refund.lines.map { entry in
                    ["lineItem": lineItem(entry.line), "quantity": entry.quantity,
                     "restockType": entry.restockType.uppercased(), "restocked": entry.restockType != "no_restock",
                     "location": entry.restockType == "no_restock" ? nil : location]
                }
                return ["id": "gid://shopify/Refund/\(refund.id)", "legacyResourceId": String(refund.id),
                        "createdAt": refund.createdAt.formatted(.iso8601),
                        "refundLineItems": NestedConnection(ids: Array(lines.indices), nodes: lines)]
            },
            "fulfillmentOrders": NestedConnection(ids: fulfillmentOrders.map(\.id), nodes: fulfillmentOrders.map(\.object)),
        ]
        if let cancelledAt = order.cancelledAt { object["cancelledAt"] = cancelledAt.formatted(.iso8601) }
        return object
    }

    /// `QueryRoot.fulfillmentOrder`, by the id `order` gives it.
    func fulfillmentOrder(_ domain: String, id: String) throws -> Object? {
        let shop = try shop(domain)
        guard let number = Gid.number(id, type: "FulfillmentOrder"),
              let order = shop.orders.values.first(where: { $0.lines.contains { $0.id == number } })
        else { return nil }
        return Self.fulfillmentOrders(of: order, in: shop).first { $0.id == number }?.object
    }

    /// The order's fulfillment orders, in order; each is known by the id of its first line,
    /// so ids ascend as the connection's cursors need.
    private static func fulfillmentOrders(of order: SimulatedShop.Order, in shop: SimulatedShop) -> [(id: Int, object: Object)] {
        let status = order.cancelledAt != nil ? "CANCELLED" : "OPEN"
        let location = shop.locations[order.location].map(Self.locationObject)
        var groups: [(id: Int, object: Object)] = []
        var start = 0
        for size in order.fulfillmentOrderSizes {
            let lines = order.lines[start..<start + size]
            start += size
            let nodes: [Object] = lines.map { line in
                let item: Object = ["id": "gid://shopify/LineItem/\(line.id)", "sku": shop.items[line.item]?.sku,
                                    "quantity": line.quantity, "currentQuantity": line.current]
                return ["id": "gid://shopify/FulfillmentOrderLineItem/\(line.id)", "lineItem": item,
                        "sku": shop.items[line.item]?.sku, "totalQuantity": line.quantity,
                        "remainingQuantity": line.current]
            }
            let id = lines.first!.id
            groups.append((id, [
                "id": "gid://shopify/FulfillmentOrder/\(id)", "status": status,
                "assignedLocation": ["location": location, "name": shop.locations[order.location]?.name ?? ""] as Object,
                "lineItems": NestedConnection(ids: lines.map(\.id), nodes: nodes),
            ]))
        }
        return groups
    }

    /// Delivers in the background, as Shopify does: signed, retried with growing pauses until
    /// answered 2xx (up to 8 attempts, unless the subscription says fewer), sometimes twice,
    /// sometimes held back.
    nonisolated func deliver(shop: String, topic: String, body: [UInt8], to targets: SimulatedShop.DeliveryTargets) {
        for target in targets.receiving(topic) {
            let headers = [
                ("Content-Type", "application/json"), ("X-Shopify-Topic", topic), ("X-Shopify-Shop-Domain", shop),
                ("X-Shopify-Webhook-Id", UUID().uuidString.lowercased()), ("X-Shopify-Event-Id", UUID().uuidString.lowercased()),
                ("X-Shopify-Triggered-At", Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))),
                ("X-Shopify-API-Version", target.apiVersion),
                ("X-Shopify-Hmac-Sha256", WebhookIntake.signature(of: body, secret: target.secret)),
            ]
            let copies = Double.random(in: 0..<1) < target.duplicateRate ? 2 : 1
            for _ in 0..<copies {
                Task {
                    if target.reorderMilliseconds > 0 {
                        try? await Task.sleep(for: .milliseconds(Int.random(in: 0...target.reorderMilliseconds)))
                    }
                    // A burst (an import of thousands of levels) is sent a few at a time, as Shopify does.
                    await deliveries.enter()
                    defer { Task { await deliveries.leave() } }
                    var pause = Duration.milliseconds(200)
                    for attempt in 1...target.attempts {
                        let status = try? await DedicatedThread.run {
                            try CurlTransport(totalTimeout: .seconds(5)).post(target.address, headers: headers, body: body).status
                        }
                        let delivered = (200..<300).contains(status ?? 0)
                        await self.recordDelivery(shop: shop, delivered: delivered, final: attempt == target.attempts,
                                                  subscription: target.apiSubscriptionID)
                        if delivered { return }
                        try? await Task.sleep(for: pause)
                        pause *= 2
                    }
                }
            }
        }
    }

    /// A delivery given up removes the Admin API subscription it went to, as Shopify removes
    /// one whose deliveries keep failing through their retries
    /// (https://shopify.dev/docs/apps/build/webhooks/troubleshoot).
    private func recordDelivery(shop domain: String, delivered: Bool, final: Bool, subscription: Int?) {
        _ = try? withShop(domain) { shop in
            if delivered { shop.webhooksDelivered += 1 } else { shop.webhookAttemptsFailed += 1 }
            if final && !delivered {
                shop.webhooksAbandoned += 1
                if let subscription, shop.apiSubscriptions.removeValue(forKey: subscription) != nil { shop.subscriptionsRemoved += 1 }
            }
        }
    }
}

/// At most `limit` deliveries in flight; the rest wait their turn, in order.
actor DeliverySlots {
    private let limit: Int
    private var inFlight = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) {
        self.limit = limit
    }

    func enter() async {
        guard inFlight >= limit else {
            inFlight += 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func leave() {
        if waiting.isEmpty { inFlight -= 1 } else { waiting.removeFirst().resume() }
    }
}
