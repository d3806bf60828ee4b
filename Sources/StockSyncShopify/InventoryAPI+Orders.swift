import StockSyncDomain

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Orders read from the Admin API rather than delivered: what the order backfill asks for.
extension InventoryAPI {
    package struct OrderChanges: Sendable {
        package var orders: [OrderSummary]
        /// Where the next page starts; nil after the last.
        package var nextPage: String?
    }

    /// One page of the orders updated at or after `since`, oldest change first, each in brief.
    package func ordersUpdated(since: Date, after cursor: String?) throws(ShopifyError) -> OrderChanges {
        // Shopify's `updated_at` has whole seconds: the second of `since` is read again whole.
        let second = Date(timeIntervalSince1970: since.timeIntervalSince1970.rounded(.down))
        let query = "updated_at:>='\(Date.ISO8601FormatStyle().format(second))'"
        let page = try client.execute(AdminDocuments.ordersUpdatedSince, variables: OrdersQueryVariables(query: query, after: cursor),
                                      returning: OrdersPayload.self).orders
        return OrderChanges(
            orders: try page.nodes.map { node throws(ShopifyError) in
                guard let updatedAt = Timestamp.parse(node.updatedAt) else {
                    throw .malformedResponse("order \(node.legacyResourceId) has an updatedAt that is not a date-time")
                }
                let lines = node.lineItems.hasMore ? nil : Dictionary(
                    node.lineItems.nodes.map { (ShopifyGID.number(of: $0.id), $0.currentQuantity) }, uniquingKeysWith: { $1 })
                return OrderSummary(orderID: node.legacyResourceId, updatedAt: updatedAt, cancelled: node.cancelledAt != nil,
                                    currentQuantities: lines)
            },
            nextPage: try page.nextCursor(of: "orders updated since \(since)"))
    }

    /// The order's state as an `orders/*` webhook would carry it; nil for an order the store
    /// does not know. Its lines are read a page at a time. Refunds beyond the first
    /// `AdminDocuments.refundsPerOrder`, and lines of one refund beyond
    /// `AdminDocuments.linesPerRefund`, are not read: the lines' current quantities count
    /// them all the same, only where their restocked units went is missing (the push side
    /// then learns it from a stale compare-and-set, as for any change it was not told of).
    package func orderState(orderID: String) throws(ShopifyError) -> OrderState? {
        let id = "gid://shopify/Order/\(orderID)"
        var lines: [OrderState.Line] = []
        var cursor: String?
        var first: OrderStatePayload.Order?
        repeat {
            guard let order = try client.execute(AdminDocuments.orderState, variables: CursorVariables(id: id, after: cursor),
                                                 returning: OrderStatePayload.self).order
            else { return nil }
            first = first ?? order
            lines += order.lineItems.nodes.map {
                OrderState.Line(id: ShopifyGID.number(of: $0.id), sku: StockChangedContract.erpSKU($0.sku), quantity: $0.quantity,
                                currentQuantity: $0.currentQuantity)
            }
            cursor = try order.lineItems.nextCursor(of: "order \(id)")
        } while cursor != nil
        guard let order = first, let updatedAt = Timestamp.parse(order.updatedAt) else {
            throw .malformedResponse("order \(id) has an updatedAt that is not a date-time")
        }
        let orderID = order.legacyResourceId
        return OrderState(
            orderID: orderID, name: order.name, updatedAt: updatedAt, cancelled: order.cancelledAt != nil, lines: lines,
            refunds: order.refunds.map { refund in
                Refund(id: refund.legacyResourceId, orderID: orderID, lines: refund.refundLineItems.nodes.map { line in
                    Refund.Line(lineID: ShopifyGID.number(of: line.lineItem.id), sku: StockChangedContract.erpSKU(line.lineItem.sku),
                                quantity: line.quantity, restockType: line.restockType.lowercased(), location: line.location?.id)
                })
            })
    }
}

private struct OrdersQueryVariables: Encodable {
    let query: String
    let after: String?
}

private struct OrdersPayload: Decodable {
    let orders: Nodes<Node>
    struct Node: Decodable {
        let legacyResourceId: String
        let updatedAt: String
        let cancelledAt: String?
        let lineItems: Nodes<Line>
    }
    struct Line: Decodable {
        let id: String
        let currentQuantity: Int
    }
}

private struct OrderStatePayload: Decodable {
    let order: Order?

    struct Order: Decodable {
        let legacyResourceId: String
        let name: String
        let updatedAt: String
        let cancelledAt: String?
        let lineItems: Nodes<Line>
        let refunds: [Refund]
    }

    struct Line: Decodable {
        let id: String
        let sku: String?
        let quantity: Int
        let currentQuantity: Int
    }

    struct Refund: Decodable {
        let legacyResourceId: String
        let refundLineItems: Nodes<RefundLine>
    }

    struct RefundLine: Decodable {
        let quantity: Int
        let restockType: String
        let lineItem: RefundedItem
        let location: Location?
    }

    struct RefundedItem: Decodable {
        let id: String
        let sku: String?
    }

    struct Location: Decodable {
        let id: String
    }
}

/// The app's shop-specific webhook subscriptions
/// (https://shopify.dev/docs/apps/build/webhooks/subscribe/subscribe-using-api). Those the
/// app declares for every shop in shopify.app.toml are not listed by the API.
extension InventoryAPI {
    package struct WebhookSubscription: Sendable, Equatable {
        /// As webhooks name it: `orders/create`.
        package var topic: String
        package var callbackURL: String

        package init(topic: String, callbackURL: String) {
            self.topic = topic
            self.callbackURL = callbackURL
        }
    }

    package func webhookSubscriptions() throws(ShopifyError) -> [WebhookSubscription] {
        var subscriptions: [WebhookSubscription] = []
        var cursor: String?
        repeat {
            let page = try client.execute(AdminDocuments.webhookSubscriptions, variables: PageVariables(after: cursor),
                                          returning: SubscriptionsPayload.self).webhookSubscriptions
            subscriptions += page.nodes.map { node in
                let topic = ShopifyWebhookContract.subscribedTopics.first { ShopifyWebhookContract.graphQLTopic($0) == node.topic }
                return WebhookSubscription(topic: topic ?? node.topic, callbackURL: node.callbackUrl)
            }
            cursor = try page.nextCursor(of: "webhook subscriptions")
        } while cursor != nil
        return subscriptions
    }

    /// Subscribes the shop to `topic` at `callbackURL`; Shopify's refusal (a scope the app
    /// lacks, an address it will not deliver to) is thrown with its message.
    package func subscribe(_ topic: String, callbackURL: String) throws(ShopifyError) {
        struct Variables: Encodable { let topic: String; let callbackUrl: String }
        let payload = try client.execute(AdminDocuments.webhookSubscriptionCreate,
                                         variables: Variables(topic: ShopifyWebhookContract.graphQLTopic(topic), callbackUrl: callbackURL),
                                         returning: SubscriptionCreatePayload.self).webhookSubscriptionCreate
        if let errors = payload?.userErrors, !errors.isEmpty {
            throw .graphQL(errors.map { "\(topic): \($0.message)" })
        }
    }
}

private struct PageVariables: Encodable {
    let after: String?
}

private struct SubscriptionsPayload: Decodable {
    struct Node: Decodable {
        let topic: String
        let callbackUrl: String
    }
    let webhookSubscriptions: Nodes<Node>
}

private struct SubscriptionCreatePayload: Decodable {
    struct Payload: Decodable {
        struct UserError: Decodable { let message: String }
        let userErrors: [UserError]
    }
    let webhookSubscriptionCreate: Payload?
}

extension InventoryAPI {
    /// Stocks the item at the location; returns what it shows there (0 when just stocked).
    package func activate(inventoryItemID: String, location: String) throws(ShopifyError) -> Int {
        struct Variables: Encodable { let inventoryItemId: String; let locationId: String }
        struct Payload: Decodable {
            struct Activated: Decodable {
                struct Level: Decodable {
                    struct Quantity: Decodable { let name: String; let quantity: Int }
                    let quantities: [Quantity]
                }
                struct UserError: Decodable { let message: String }
                let inventoryLevel: Level?
                let userErrors: [UserError]
            }
            let inventoryActivate: Activated?
        }
        let activated = try client.execute(AdminDocuments.inventoryActivate,
                                           variables: Variables(inventoryItemId: inventoryItemID, locationId: location),
                                           returning: Payload.self).inventoryActivate
        if let errors = activated?.userErrors, !errors.isEmpty { throw .graphQL(errors.map(\.message)) }
        guard let available = activated?.inventoryLevel?.quantities.first(where: { $0.name == "available" })?.quantity else {
            throw .malformedResponse("inventoryActivate answered no level")
        }
        return available
    }
}
