import Foundation
import StockSyncDomain

/// One simulated store: its catalogue, levels, API budget and idempotency memory.
/// Plain state, owned by `ShopifySimulator` (an actor), which serialises every change.
package struct SimulatedShop {
    struct Location {
        var id: Int
        var name: String
        var isActive: Bool
    }

    struct Item {
        var id: Int
        var sku: String?
        /// `continue` lets a storefront order take the level below zero; `deny` refuses it.
        var oversells = false
    }

    struct OrderLine {
        var id: Int
        var item: Int
        var quantity: Int
        /// `quantity` after edits and refunds.
        var current: Int
    }

    struct Refund {
        var id: Int
        var createdAt: Date
        /// (line id, units, restock type)
        var lines: [(line: Int, quantity: Int, restockType: String)]
    }

    struct Order {
        var id: Int
        var number: Int
        var lines: [OrderLine]
        /// Lines per fulfillment order, in line order (they add up to `lines.count`).
        var fulfillmentOrderSizes: [Int]
        /// Where Shopify deducted the stock: every fulfillment order's assigned location.
        var location: Int
        var createdAt: Date
        var updatedAt: Date
        var cancelledAt: Date?
        var refunds: [Refund] = []
    }

    /// Where Shopify delivers webhooks for this store (`/_simulator`, not Shopify's API).
    struct WebhookSubscription {
        var address: String
        var secret: String
        var apiVersion: String
        /// Share of deliveries sent twice, and the most a delivery is held back, so that
        /// later ones may overtake it.
        var duplicateRate: Double
        var reorderMilliseconds: Int
        var attempts: Int
        /// The topics delivered; others are not.
        var topics: Set<String>
    }

    /// A subscription the app made through the Admin API (`webhookSubscriptionCreate`).
    struct APISubscription: Sendable {
        var id: Int
        /// As webhooks name it: `orders/create`.
        var topic: String
        var callbackURL: String
        var format: String
        var createdAt: Date
    }

    /// Where a store's deliveries of a change go: its `/_simulator` subscription (standing in
    /// for the app's own, in shopify.app.toml) and the app's Admin API subscriptions, whose
    /// deliveries are signed with the app's client secret.
    struct DeliveryTargets: Sendable {
        struct Target: Sendable {
            var address: String
            var secret: String
            var apiVersion: String
            var duplicateRate = 0.0
            var reorderMilliseconds = 0
            var attempts: Int
            var apiSubscriptionID: Int?
        }

        var subscription: WebhookSubscription?
        var api: [APISubscription]
        var appSecret: String
        var apiAttempts: Int

        func receiving(_ topic: String) -> [Target] {
            var targets: [Target] = []
            if let subscription, subscription.topics.contains(topic) {
                targets.append(Target(address: subscription.address, secret: subscription.secret, apiVersion: subscription.apiVersion,
                                      duplicateRate: subscription.duplicateRate, reorderMilliseconds: subscription.reorderMilliseconds,
                                      attempts: subscription.attempts))
            }
            for api in api where api.topic == topic {
                targets.append(Target(address: api.callbackURL, secret: appSecret, apiVersion: ShopifyAPIVersion.default.description,
                                      attempts: apiAttempts, apiSubscriptionID: api.id))
            }
            return targets
        }
    }

    func deliveryTargets(_ app: ShopifySimulator.App) -> DeliveryTargets {
        DeliveryTargets(subscription: webhooks, api: apiSubscriptions.values.sorted { $0.id < $1.id }, appSecret: app.clientSecret,
                        apiAttempts: app.deliveryAttempts)
    }

    /// Whether a change of this topic goes anywhere.
    func isSubscribed(to topic: String) -> Bool {
        webhooks?.topics.contains(topic) == true || apiSubscriptions.values.contains { $0.topic == topic }
    }

    struct LevelKey: Hashable {
        var item: Int
        var location: Int
    }

    struct Quantities {
        var available: Int
        var onHand: Int
    }

    /// A level's `available` after a change, and when: what a benchmark reads to time
    /// ERP event → Shopify.
    package struct Change: Codable, Sendable {
        package var inventoryItemId: String
        package var locationId: String
        package var available: Int
        /// Seconds since 1970.
        package var at: Double
    }

    struct Plan {
        var restoreRate: Double
        var bucketSize: Double

        static func named(_ name: String, bucketSize: Double?) -> Plan? {
            let rate: Double
            switch name.lowercased() {
            case "standard", "basic": rate = 100
            case "advanced": rate = 200
            case "plus": rate = 1_000
            case "enterprise": rate = 2_000
            default: return nil
            }
            return Plan(restoreRate: rate, bucketSize: bucketSize ?? rate * 20)
        }
    }

    struct BulkOperation {
        var id: Int
        var query: String
        var status: String
        var createdAt: Date
        var completedAt: Date?
        var objectCount = 0
        var rootObjectCount = 0
        var result: [UInt8]?
        var errorCode: String?
    }

    var domain: String
    /// The app's Admin API access token; nil while the app is uninstalled.
    var token: String?
    /// An expiring token's end (on the simulator's clock) and the refresh token that replaces
    /// it; the refresh token it replaced stays usable until this one is used (`OAuthGrants`).
    var tokenExpiresAt: Double?
    var refreshToken: String?
    var refreshTokenExpiresAt: Double?
    var previousRefreshToken: String?
    /// Authorization codes handed out by the authorize page and not yet exchanged, with when.
    var authorizationCodes: [String: Double] = [:]
    /// The scopes the merchant approved on the authorize page.
    var grantedScope = ""
    var tokenGrants = 0
    var tokenRefreshes = 0
    /// Refreshes asked with a refresh token already used once: a second refresh of one expiry.
    var refreshesOfUsedTokens = 0
    /// Admin API requests refused because their token had expired (counted in `unauthorized` too).
    var expiredTokenRefusals = 0
    var plan: Plan
    var available: Double
    var availableAt: Double
    var locations: [Int: Location] = [:]
    var items: [Int: Item] = [:]
    var itemOrder: [Int] = []
    var levels: [LevelKey: Quantities] = [:]
    /// Idempotency key → fingerprint of the arguments and the answer given.
    var idempotency: [String: (fingerprint: String, answer: any Sendable)] = [:]
    var history: [Change] = []
    var bulkOperations: [Int: BulkOperation] = [:]
    var orders: [Int: Order] = [:]
    var webhooks: WebhookSubscription?
    var apiSubscriptions: [Int: APISubscription] = [:]
    /// Admin API subscriptions removed after a delivery to them was given up.
    var subscriptionsRemoved = 0
    /// Levels changed since the store was last touched, for `inventory_levels/update`.
    var changedLevels: [LevelKey] = []
    var webhooksDelivered = 0
    var webhookAttemptsFailed = 0
    var webhooksAbandoned = 0
    var currentBulkOperation: Int?
    var nextID = 1
    var calls = 0
    var throttled = 0
    /// Admin API requests refused 401.
    var unauthorized = 0
    var costCharged = 0.0

    init(domain: String, token: String, plan: Plan, now: Double) {
        self.domain = domain
        self.token = token
        self.plan = plan
        available = plan.bucketSize
        availableAt = now
    }

    /// Orders, their lines and refunds are numbered from the time the store was seeded, so
    /// that a restarted simulator never reuses an id a database downstream still holds.
    let storefrontIDBase = Int(Date().timeIntervalSince1970) * 1_000_000

    mutating func newID() -> Int {
        defer { nextID += 1 }
        return nextID
    }

    /// The bucket after refilling up to `now`.
    mutating func refill(now: Double) {
        available = min(plan.bucketSize, available + plan.restoreRate * max(0, now - availableAt))
        availableAt = now
    }

    mutating func setAvailable(_ key: LevelKey, to quantity: Int, now: Double) {
        guard var level = levels[key] else { return }
        level.onHand += quantity - level.available
        level.available = quantity
        levels[key] = level
        history.append(Change(inventoryItemId: Gid.item(key.item), locationId: Gid.location(key.location),
                              available: quantity, at: now))
        if isSubscribed(to: ShopifyWebhookContract.inventoryLevelTopic) { changedLevels.append(key) }
    }
}

/// Shopify's global ids for the simulator's objects.
enum Gid {
    static func item(_ id: Int) -> String { "gid://shopify/InventoryItem/\(id)" }
    static func location(_ id: Int) -> String { "gid://shopify/Location/\(id)" }
    static func level(item: Int, location: Int) -> String { "gid://shopify/InventoryLevel/\(location)?inventory_item_id=\(item)" }
    static func bulkOperation(_ id: Int) -> String { "gid://shopify/BulkOperation/\(id)" }
    static func adjustmentGroup(_ id: Int) -> String { "gid://shopify/InventoryAdjustmentGroup/\(id)" }

    /// The number of a gid of `type`, or nil.
    static func number(_ gid: String, type: String) -> Int? {
        let prefix = "gid://shopify/\(type)/"
        guard gid.hasPrefix(prefix) else { return nil }
        return Int(gid.dropFirst(prefix.count).prefix { $0 != "?" })
    }
}
