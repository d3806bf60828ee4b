/// What a Shopify webhook delivery carries that stocksync reads: the gateway checks it and
/// publishes the headers, the order-worker reads them back. Shopify documents the headers
/// at https://shopify.dev/docs/apps/build/webhooks/subscribe/https (Deliveries) and the
/// topics at https://shopify.dev/docs/api/webhooks.
package enum ShopifyWebhookContract {
    /// An HTTP header of the delivery; published on `order-placed` under its lower-case name.
    package struct Header: Sendable, Hashable, CustomStringConvertible {
        /// As Shopify's documentation spells it (HTTP header names compare case-insensitively).
        package let name: String
        /// The AMQP header the gateway publishes it as.
        package let messageHeader: String

        init(_ name: String) {
            self.name = name
            self.messageHeader = name.lowercased()
        }

        package var description: String { name }

        package static let topic = Header("X-Shopify-Topic")
        package static let shopDomain = Header("X-Shopify-Shop-Domain")
        /// Names the delivery: Shopify's retries of one delivery repeat it.
        package static let webhookID = Header("X-Shopify-Webhook-Id")
        /// Names the event: shared by its retries and duplicates.
        package static let eventID = Header("X-Shopify-Event-Id")
        package static let triggeredAt = Header("X-Shopify-Triggered-At")
        package static let apiVersion = Header("X-Shopify-API-Version")
        /// base64(HMAC-SHA256(app secret, raw body)).
        package static let hmac = Header("X-Shopify-Hmac-Sha256")
    }

    /// Every header a delivery must carry besides its signature, all of them published.
    package static let requiredHeaders: [Header] = [
        .topic, .shopDomain, .webhookID, .eventID, .triggeredAt, .apiVersion,
    ]

    /// Topics whose body is the order resource.
    package static let orderTopics: Set<String> = ["orders/create", "orders/updated", "orders/cancelled"]
    /// The topic whose body is a refund resource.
    package static let refundTopic = "refunds/create"
    /// The shop uninstalled the app: Shopify has revoked its access token and deleted its
    /// webhook subscriptions (https://shopify.dev/docs/apps/build/authentication-authorization/app-installation/uninstall-app-api-request).
    /// The body is the shop resource; the headers say which shop and when.
    package static let appUninstalledTopic = "app/uninstalled"
    /// A level changed in Shopify, whoever changed it (its body: the inventory level, REST
    /// form): what finds drift as it happens.
    package static let inventoryLevelTopic = "inventory_levels/update"
    /// The topics the pipeline needs each shop subscribed to.
    package static let subscribedTopics = ["orders/create", "orders/updated", "orders/cancelled", refundTopic,
                                           appUninstalledTopic, inventoryLevelTopic]

    /// A topic as the Admin API's `WebhookSubscriptionTopic` names it: `orders/create` →
    /// `ORDERS_CREATE`.
    package static func graphQLTopic(_ topic: String) -> String {
        String(topic.uppercased().map { $0 == "/" ? "_" : $0 })
    }

    /// Topics that become messages on `order-placed`; the gateway acknowledges and drops others.
    package static let handledTopics: Set<String> = orderTopics.union([refundTopic, appUninstalledTopic, inventoryLevelTopic])
        .union(ComplianceRequest.topics)
}

extension ShopifyWebhookContract.Header {
    /// This header's value in a delivery from `order-placed` (headers by lower-case name).
    package func value(in headers: [String: String]) throws(ContractViolation) -> String {
        guard let value = headers[messageHeader], !value.isEmpty else { throw ContractViolation("missing header \(messageHeader)") }
        return value
    }
}

/// Shopify's global ids (`gid://shopify/Order/450789469`) and the numbers the REST
/// resources and webhooks name the same objects by.
package enum ShopifyGID {
    /// The number at the end of a GID (a text that is not one is given back as it is).
    package static func number(of gid: some StringProtocol) -> String {
        String(gid.split(separator: "/").last ?? "")
    }
}
