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

    /// Reads a delivery; headers by lower-case name, as the gateway publishes them.
    package static func decode(headers: [String: String], body: [UInt8]) throws(ContractViolation) -> ShopifyWebhookMessage {
        typealias Contract = ShopifyWebhookContract
        guard try Contract.Header.topic.value(in: headers) == Contract.appUninstalledTopic else {
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
