import Foundation
import StockSyncDomain

/// The simulator's own API, apart from Shopify's: seed stores, read every level, make a
/// storefront sale. Used by the demo, the tests and the benchmarks.
extension ShopifySimulator {
    package struct Seed: Codable, Sendable {
        package struct Location: Codable, Sendable {
            package var id: Int
            package var name: String
            package var isActive: Bool?

            package init(id: Int, name: String) {
                self.id = id
                self.name = name
            }
        }

        package struct Item: Codable, Sendable {
            package var sku: String?
            /// `available` per location id; the item is stocked at exactly these locations.
            package var levels: [String: Int]
            /// `deny` (the default: orders beyond `available` are refused) or `continue` (oversold).
            package var inventoryPolicy: String?

            package init(sku: String?, levels: [String: Int]) {
                self.sku = sku
                self.levels = levels
            }
        }

        package var token: String
        /// standard, advanced, plus or enterprise.
        package var plan: String?
        package var bucketSize: Double?
        package var locations: [Location]
        package var items: [Item]

        package init(token: String, plan: String? = nil, bucketSize: Double? = nil, locations: [Location], items: [Item]) {
            self.token = token
            self.plan = plan
            self.bucketSize = bucketSize
            self.locations = locations
            self.items = items
        }
    }

    package struct SeedError: Error, CustomStringConvertible {
        package let description: String
    }

    /// Creates (or replaces) a store. Returns the inventory item id of each seeded item, in order.
    package func seed(shop domain: String, _ seed: Seed) throws -> [String] {
        guard let plan = SimulatedShop.Plan.named(seed.plan ?? "standard", bucketSize: seed.bucketSize) else {
            throw SeedError(description: "unknown plan \(seed.plan ?? ""): standard, advanced, plus or enterprise")
        }
        var shop = SimulatedShop(domain: domain, token: seed.token, plan: plan, now: now)
        for location in seed.locations {
            shop.locations[location.id] = .init(id: location.id, name: location.name, isActive: location.isActive ?? true)
        }
        shop.nextID = (seed.locations.map(\.id).max() ?? 0) + 1
        var ids: [String] = []
        for item in seed.items {
            let id = shop.newID()
            shop.items[id] = .init(id: id, sku: item.sku, oversells: item.inventoryPolicy == "continue")
            shop.itemOrder.append(id)
            for (location, available) in item.levels {
                guard let locationID = Int(location), shop.locations[locationID] != nil else {
                    throw SeedError(description: "item \(item.sku ?? "?") is stocked at unknown location \(location)")
                }
                shop.levels[.init(item: id, location: locationID)] = .init(available: available, onHand: max(available, 0))
            }
            ids.append(Gid.item(id))
        }
        shops[domain] = shop
        return ids
    }

    package struct LevelView: Codable, Sendable, Equatable {
        package var sku: String?
        package var inventoryItemId: String
        package var locationId: String
        package var available: Int
        package var onHand: Int
    }

    package func levels(shop domain: String) throws -> [LevelView] {
        let shop = try shop(domain)
        return shop.levels.map { key, quantities in
            LevelView(sku: shop.items[key.item]?.sku, inventoryItemId: Gid.item(key.item),
                      locationId: Gid.location(key.location), available: quantities.available, onHand: quantities.onHand)
        }.sorted { ($0.inventoryItemId, $0.locationId) < ($1.inventoryItemId, $1.locationId) }
    }

    package func history(shop domain: String) throws -> [SimulatedShop.Change] {
        try shop(domain).history
    }

    package struct Stats: Codable, Sendable {
        package var calls: Int
        package var throttled: Int
        /// Admin API requests refused 401 (a wrong or revoked token).
        package var unauthorized: Int
        package var costCharged: Double
        package var restoreRate: Double
        package var bucketSize: Double
        /// Server errors, lost answers and stalls injected, over every shop.
        package var faultsInjected: Int
        /// Webhook deliveries answered 2xx, attempts that were not, and deliveries given up.
        package var webhooksDelivered: Int
        package var webhookAttemptsFailed: Int
        package var webhooksAbandoned: Int
        /// OAuth: tokens granted for a code, refreshes, refreshes asked again with a refresh
        /// token already used, and calls refused for an expired token.
        package var tokenGrants: Int
        package var tokenRefreshes: Int
        package var refreshesOfUsedTokens: Int
        package var expiredTokenRefusals: Int
    }

    package func stats(shop domain: String) throws -> Stats {
        let shop = try shop(domain)
        return Stats(calls: shop.calls, throttled: shop.throttled, unauthorized: shop.unauthorized,
                     costCharged: shop.costCharged, restoreRate: shop.plan.restoreRate, bucketSize: shop.plan.bucketSize, faultsInjected: faultsInjected,
                     webhooksDelivered: shop.webhooksDelivered, webhookAttemptsFailed: shop.webhookAttemptsFailed,
                     webhooksAbandoned: shop.webhooksAbandoned, tokenGrants: shop.tokenGrants,
                     tokenRefreshes: shop.tokenRefreshes, refreshesOfUsedTokens: shop.refreshesOfUsedTokens,
                     expiredTokenRefusals: shop.expiredTokenRefusals)
    }

    package struct Sale: Codable, Sendable {
        package var sku: String
        package var locationId: String
        package var quantity: Int

        package init(sku: String, locationId: String, quantity: Int) {
            self.sku = sku
            self.locationId = locationId
            self.quantity = quantity
        }
    }

    /// A storefront sale: Shopify deducts `available` at the location itself. Returns the
    /// level's new `available`.
    package func sell(shop domain: String, _ sale: Sale) throws -> Int {
        try withShop(domain) { shop in
            let key = try Self.level(of: sale.sku, at: sale.locationId, in: shop)
            let level = shop.levels[key]!
            shop.setAvailable(key, to: level.available - sale.quantity, now: wallClock)
            shop.levels[key]!.onHand = level.onHand
            return level.available - sale.quantity
        }
    }

    package struct Edit: Codable, Sendable {
        package var sku: String
        package var locationId: String
        package var available: Int

        package init(sku: String, locationId: String, available: Int) {
            self.sku = sku
            self.locationId = locationId
            self.available = available
        }
    }

    /// A merchant (or another app) sets a level in Shopify's admin, behind stocksync's back.
    package func edit(shop domain: String, _ edit: Edit) throws {
        try withShop(domain) { shop in
            shop.setAvailable(try Self.level(of: edit.sku, at: edit.locationId, in: shop), to: edit.available, now: wallClock)
        }
    }

    /// A merchant's CSV import in Shopify's admin: many levels set at once, each notified.
    package func importLevels(shop domain: String, _ edits: [Edit]) throws {
        try withShop(domain) { shop in
            let items = Dictionary(shop.items.values.compactMap { item in item.sku.map { ($0, item.id) } }) { first, _ in first }
            for edit in edits {
                guard let item = items[edit.sku], let location = Gid.number(edit.locationId, type: "Location"),
                      shop.levels[.init(item: item, location: location)] != nil
                else { throw SeedError(description: "no level for \(edit.sku) at \(edit.locationId)") }
                shop.setAvailable(.init(item: item, location: location), to: edit.available, now: wallClock)
            }
        }
    }

    private static func level(of sku: String, at location: String, in shop: SimulatedShop) throws -> SimulatedShop.LevelKey {
        guard let item = shop.itemOrder.first(where: { shop.items[$0]?.sku == sku }),
              let locationID = Gid.number(location, type: "Location"),
              shop.levels[.init(item: item, location: locationID)] != nil
        else { throw SeedError(description: "no level for \(sku) at \(location)") }
        return .init(item: item, location: locationID)
    }
}
