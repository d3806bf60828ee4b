#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One delivery from `order-placed`, by what it asks of the order-worker: an order's state
/// or refund to reserve by, or the shop's uninstall of the app.
package enum ShopifyWebhookMessage: Sendable, Equatable {
    case order(OrderMessage)
    case appUninstalled(AppUninstalled)
    case inventoryLevel(InventoryLevelUpdate)
    case compliance(ComplianceRequest)

    /// Reads a delivery; headers by lower-case name, as the gateway publishes them.
    package static func decode(headers: [String: String], body: [UInt8]) throws(ContractViolation) -> ShopifyWebhookMessage {
        typealias Contract = ShopifyWebhookContract
        let topic = try Contract.Header.topic.value(in: headers)
        if ComplianceRequest.topics.contains(topic) {
            return .compliance(try ComplianceRequest.decode(topic: topic, shop: try Contract.Header.shopDomain.value(in: headers), body: body))
        }
        if topic == Contract.inventoryLevelTopic {
            return .inventoryLevel(try InventoryLevelUpdate.decode(shop: try Contract.Header.shopDomain.value(in: headers), body: body))
        }
        guard topic == Contract.appUninstalledTopic else {
            return .order(try OrderMessage.decode(headers: headers, body: body))
        }
        let triggered = try Contract.Header.triggeredAt.value(in: headers)
        guard let uninstalledAt = Timestamp.parse(triggered) else {
            throw ContractViolation("header \(Contract.Header.triggeredAt.messageHeader) is not an RFC 3339 date-time")
        }
        return .appUninstalled(AppUninstalled(shop: try Contract.Header.shopDomain.value(in: headers),
                                              eventID: try Contract.Header.eventID.value(in: headers),
                                              uninstalledAt: uninstalledAt))
    }
}

/// `app/uninstalled`: which shop, and when Shopify says it happened. Its body (the shop
/// resource) tells stocksync nothing more.
package struct AppUninstalled: Sendable, Equatable {
    package var shop: String
    package var eventID: String
    /// `X-Shopify-Triggered-At`. An uninstall from before the shop's latest connection is a
    /// late delivery from before a reinstall, and changes nothing.
    package var uninstalledAt: Date

    package init(shop: String, eventID: String, uninstalledAt: Date) {
        self.shop = shop
        self.eventID = eventID
        self.uninstalledAt = uninstalledAt
    }
}

extension OrderState {
    /// How the event id of a state read back begins; a webhook's never does (Shopify's are UUIDs).
    package static let backfillEventPrefix = "backfill:"

    /// The state as read from the Admin API by the order backfill, made a delivery on
    /// `order-placed` with the headers the gateway would publish, so that it takes the same
    /// order path as a webhook and the same ordering rules settle which state wins:
    /// - the topic is `orders/updated`;
    /// - the event id names the state (order, `updated_at` and content), so every read of one
    ///   state is one event, and a duplicate of a delivered webhook is ignored by its time;
    /// - `X-Shopify-Triggered-At` is when the read began: a webhook of an earlier change in the
    ///   same second of `updated_at` is older than the state read, one of a later change newer.
    package func backfillDelivery(shop: String, readAt: Date, apiVersion: String)
        -> (messageID: String, headers: [(String, String)], body: [UInt8]) {
        typealias Header = ShopifyWebhookContract.Header
        let body = webhookBody
        // FNV-1a: distinguishes two states of one second; no secret rides on it.
        let digest = body.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
        let eventID = "\(Self.backfillEventPrefix)\(orderID):\(Int(updatedAt.timeIntervalSince1970)):\(String(digest, radix: 16))"
        let headers = [
            (Header.topic, "orders/updated"), (Header.shopDomain, shop), (Header.webhookID, eventID), (Header.eventID, eventID),
            (Header.triggeredAt, Timestamp.format(readAt)), (Header.apiVersion, apiVersion),
        ].map { ($0.0.messageHeader, $0.1) }
        return (eventID, headers, body)
    }
}

/// `inventory_levels/update`: a level's `available` as Shopify now has it. Its body is the
/// REST inventory level (`inventory_item_id`, `location_id`, `available`, `updated_at`);
/// other members are ignored.
package struct InventoryLevelUpdate: Sendable, Equatable {
    package var shop: String
    /// `gid://shopify/InventoryItem/<inventory_item_id>`, as the catalogue names items.
    package var inventoryItemID: String
    /// `gid://shopify/Location/<location_id>`.
    package var location: String
    /// nil when the item is no longer tracked at the location.
    package var available: Int?

    package init(shop: String, inventoryItemID: String, location: String, available: Int?) {
        self.shop = shop
        self.inventoryItemID = inventoryItemID
        self.location = location
        self.available = available
    }

    package static func decode(shop: String, body: [UInt8]) throws(ContractViolation) -> Self {
        let object: FlatJSONObject
        do { object = try FlatJSONObject(parsing: body) } catch { throw ContractViolation("the inventory level is not a flat JSON object") }
        func id(_ name: String) throws(ContractViolation) -> Int {
            guard case .integer(let value)? = object[name], value > 0 else {
                throw ContractViolation("field `\(name)` must be a positive integer")
            }
            return value
        }
        let available: Int?
        switch object["available"] {
        case .integer(let value)?: available = value
        case .null?: available = nil
        default: throw ContractViolation("field `available` must be an integer or null")
        }
        return Self(shop: shop, inventoryItemID: "gid://shopify/InventoryItem/\(try id("inventory_item_id"))",
                    location: "gid://shopify/Location/\(try id("location_id"))", available: available)
    }
}
