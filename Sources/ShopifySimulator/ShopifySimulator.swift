import Foundation
import GraphQL
import OrderedCollections
import StockSyncDomain
import StockSyncRuntime
import Synchronization

/// A development stand-in for Shopify's Admin GraphQL API: the simulated stores, their
/// API budgets, and the faults to inject. Every change to a store happens inside this
/// actor, one call at a time, as Shopify applies one mutation at a time to a store.
package actor ShopifySimulator {
    var shops: [String: SimulatedShop] = [:]
    package private(set) var faults = Faults()
    /// The app whose tokens the stores grant (`OAuthGrants`).
    package internal(set) var app = App()
    /// Built once per API version; read by requests outside the actor.
    private nonisolated let schemas = Mutex<[ShopifyAPIVersion: GraphQLSchema]>([:])
    /// Documents already parsed and validated, by API version and text: clients send the
    /// same few documents again and again, so only the first of each pays for parsing.
    nonisolated let documents = Mutex<[String: PreparedDocument]>([:])
    /// Webhook deliveries in flight at once, over every store.
    nonisolated let deliveries = DeliverySlots(limit: 32)
    private let started = ContinuousClock.now
    /// Per fault: the share owed so far; a fault is injected each time it reaches 1, so a
    /// rate of 5% fails exactly every 20th request, evenly spread and repeatable.
    private var owed: [String: Double] = [:]
    package private(set) var faultsInjected = 0

    /// Injected misbehaviour, as shares of requests (spread evenly, not at random).
    package struct Faults: Codable, Sendable, Equatable {
        /// Answered 503 without being applied.
        package var serverErrorRate: Double = 0
        /// Applied, then answered 502: the client must retry with the same idempotency key.
        package var lostResponseRate: Double = 0
        /// Added to every answer.
        package var latencyMilliseconds: Int = 0
        /// Held this long before any answer (to trip client timeouts).
        package var stallRate: Double = 0
        package var stallMilliseconds: Int = 0
        /// Bulk result downloads that send half the file, then nothing for `stallMilliseconds`.
        package var bulkDownloadStallRate: Double = 0
        /// Inventory writes naming an item with one of these SKUs fail as a whole with
        /// INTERNAL_SERVER_ERROR, every time: a level that always breaks the call it is in.
        package var failingSKUs: [String] = []
        /// Costs Shopify sets on fields instead of the default for what they return, by
        /// `Type.field` (https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits:
        /// every field has a cost; the defaults are only defaults). A query the client
        /// prices by the defaults then costs more, as on Shopify, which can refuse it.
        package var fieldCosts: [String: Int] = [:]
        /// Versions older than this are no longer supported: their calls are served by this one
        /// (https://shopify.dev/docs/api/usage/versioning). nil: every version is served as asked.
        package var oldestSupportedVersion: String?
        /// The OAuth token endpoint answers 503, granting and refreshing nothing.
        package var tokenEndpointUnavailable = false

        package init() {}

        /// Any share left out is 0.
        package init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            serverErrorRate = try container.decodeIfPresent(Double.self, forKey: .serverErrorRate) ?? 0
            lostResponseRate = try container.decodeIfPresent(Double.self, forKey: .lostResponseRate) ?? 0
            latencyMilliseconds = try container.decodeIfPresent(Int.self, forKey: .latencyMilliseconds) ?? 0
            stallRate = try container.decodeIfPresent(Double.self, forKey: .stallRate) ?? 0
            stallMilliseconds = try container.decodeIfPresent(Int.self, forKey: .stallMilliseconds) ?? 0
            bulkDownloadStallRate = try container.decodeIfPresent(Double.self, forKey: .bulkDownloadStallRate) ?? 0
            failingSKUs = try container.decodeIfPresent([String].self, forKey: .failingSKUs) ?? []
            fieldCosts = try container.decodeIfPresent([String: Int].self, forKey: .fieldCosts) ?? [:]
            oldestSupportedVersion = try container.decodeIfPresent(String.self, forKey: .oldestSupportedVersion)
            tokenEndpointUnavailable = try container.decodeIfPresent(Bool.self, forKey: .tokenEndpointUnavailable) ?? false
        }
    }

    package init() {}

    package func setFaults(_ faults: Faults) {
        self.faults = faults
    }

    var now: Double { (ContinuousClock.now - started).seconds }
    var wallClock: Double { Date().timeIntervalSince1970 }

    nonisolated func schema(_ version: ShopifyAPIVersion) throws -> GraphQLSchema {
        if let schema = schemas.withLock({ $0[version] }) { return schema }
        let schema = try SimulatorSchema.build(version: version)
        return schemas.withLock { schemas in
            if let built = schemas[version] { return built }
            schemas[version] = schema
            return schema
        }
    }

    func inject(_ fault: String, rate: Double) -> Bool {
        guard rate > 0 else { return false }
        let due = owed[fault, default: 0.5] + rate
        owed[fault] = due >= 1 ? due - 1 : due
        if due >= 1 { faultsInjected += 1 }
        return due >= 1
    }

    /// Changes a store in place (a copy would duplicate all its levels on every write).
    func withShop<T>(_ domain: String, _ body: (inout SimulatedShop) throws -> T) throws -> T {
        guard shops[domain] != nil else { throw SimulatorError.unknownShop(domain) }
        defer { notifyLevelChanges(of: domain) }
        return try body(&shops[domain]!)
    }

    /// `inventory_levels/update` for each level a change left different, whoever made it
    /// (https://shopify.dev/docs/api/webhooks: the inventory level, REST form), delivered like
    /// every webhook.
    private func notifyLevelChanges(of domain: String) {
        guard let shop = shops[domain], !shop.changedLevels.isEmpty else { return }
        shops[domain]!.changedLevels = []
        let subscription = shop.deliveryTargets(app)
        var seen: Set<SimulatedShop.LevelKey> = []
        let updatedAt = Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        for key in shop.changedLevels where seen.insert(key).inserted {
            guard let level = shop.levels[key] else { continue }
            let resource: [String: any Sendable] = [
                "inventory_item_id": key.item, "location_id": key.location, "available": level.available,
                "updated_at": updatedAt, "admin_graphql_api_id": Gid.level(item: key.item, location: key.location),
            ]
            guard let body = try? JSONSerialization.data(withJSONObject: resource) else { continue }
            deliver(shop: domain, topic: ShopifyWebhookContract.inventoryLevelTopic, body: Array(body), to: subscription)
        }
    }

    func shop(_ domain: String) throws -> SimulatedShop {
        guard let shop = shops[domain] else { throw SimulatorError.unknownShop(domain) }
        return shop
    }

    enum SimulatorError: Error, CustomStringConvertible {
        case unknownShop(String)
        var description: String {
            switch self {
            case .unknownShop(let shop): "no simulated shop \(shop)"
            }
        }
    }
}
