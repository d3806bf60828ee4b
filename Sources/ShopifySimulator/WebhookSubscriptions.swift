import Foundation
import StockSyncDomain

/// `webhookSubscriptions` and `webhookSubscriptionCreate` as Shopify answers them
/// (https://shopify.dev/docs/api/admin-graphql/latest/mutations/webhookSubscriptionCreate):
/// shop-specific subscriptions, one per topic and address, listed by topic; a topic the
/// app's scopes do not cover, or an address that is no https URL, is a user error. Deliveries
/// to them are signed with the app's client secret; one given up removes its subscription.
extension ShopifySimulator {
    func webhookSubscriptions(_ domain: String, first: Int?, after: String?, topics: [String]?) throws -> Object {
        let shop = try shop(domain)
        let wanted = topics.map { Set($0.map(Self.webhookTopic)) }
        let ids = shop.apiSubscriptions.keys.sorted().filter { wanted?.contains(shop.apiSubscriptions[$0]!.topic) ?? true }
        let page = try Self.page(ids, first: first, after: after, bulk: false)
        return Self.connection(page.ids.map { Self.subscriptionObject(shop.apiSubscriptions[$0]!) }, cursors: page.ids.map(String.init),
                               hasNextPage: page.more, hasPreviousPage: page.previous)
    }

    func createWebhookSubscription(_ domain: String, topic: String, callbackURL: String?, format: String) throws -> Object {
        func refused(_ field: [String], _ message: String) -> Object {
            ["userErrors": [["field": field, "message": message] as Object], "webhookSubscription": nil as (any Sendable)?]
        }
        guard let callbackURL, let url = URL(string: callbackURL), url.scheme == "https" || (url.scheme == "http" && url.host == "127.0.0.1"),
              url.host != nil
        else { return refused(["webhookSubscription", "callbackUrl"], "Address is invalid") }
        return try withShop(domain) { shop -> Object in
            let name = Self.webhookTopic(topic)
            if shop.apiSubscriptions.values.contains(where: { $0.topic == name && $0.callbackURL == callbackURL }) {
                return refused(["webhookSubscription", "callbackUrl"], "Address for this topic has already been taken")
            }
            let subscription = SimulatedShop.APISubscription(id: shop.newID(), topic: name, callbackURL: callbackURL,
                                                             format: format, createdAt: Date())
            shop.apiSubscriptions[subscription.id] = subscription
            return ["userErrors": [Object](), "webhookSubscription": Self.subscriptionObject(subscription)]
        }
    }

    /// `ORDERS_CREATE` → `orders/create`: the enum's first word is the resource.
    static func webhookTopic(_ value: String) -> String {
        let words = value.lowercased().split(separator: "_")
        let resources = ["inventory_levels", "app"]
        for resource in resources where value.lowercased().hasPrefix(resource + "_") {
            return resource + "/" + value.lowercased().dropFirst(resource.count + 1)
        }
        return words.first.map { "\($0)/" + words.dropFirst().joined(separator: "_") } ?? value
    }

    static func subscriptionObject(_ subscription: SimulatedShop.APISubscription) -> Object {
        ["id": "gid://shopify/WebhookSubscription/\(subscription.id)", "callbackUrl": subscription.callbackURL,
         "format": subscription.format, "createdAt": subscription.createdAt.formatted(.iso8601),
         "topic": ShopifyWebhookContract.graphQLTopic(subscription.topic)]
    }
}
