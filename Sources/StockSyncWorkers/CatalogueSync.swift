import Logging
import StockSyncDomain
import StockSyncShopify
import StockSyncStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Reads a store's whole catalogue through one bulk operation and records what it says:
/// SKU → inventory item, and what Shopify holds at every level (as observed quantities,
/// so that the first push of each level is a compare-and-set against it).
package struct CatalogueSync {
    package let store: PushStore
    package let api: InventoryAPI
    /// Take Shopify's levels as they are, forgetting units held back as sold but not yet
    /// reserved (the store was reset, or every order is known to have reached the ERP).
    package var baseline: Bool
    /// Make every level read due, so that each one Shopify shows otherwise than its ATS is
    /// pushed: for a shop nothing was heard from for a while (connected after an uninstall).
    package var everyLevelDue: Bool

    package init(store: PushStore, api: InventoryAPI, baseline: Bool = false, everyLevelDue: Bool = false) {
        self.store = store
        self.api = api
        self.baseline = baseline
        self.everyLevelDue = everyLevelDue
    }

    package struct Summary: Sendable, Codable {
        package var items: Int
        package var levels: Int
        /// SKUs in our outbox that the store has no item for.
        package var missingSKUs: [String]
        /// Mapped locations the store does not have.
        package var unknownLocations: [String]
        /// Levels set aside with a problem, made due again.
        package var retriedLevels: Int
    }

    package func run() throws -> Summary {
        let shop = api.client.connection.shop
        let storeLocations = Set(try api.locations().map(\.id))
        let takenAt = Date().timeIntervalSince1970
        var itemsBySKU: [String: String] = [:]
        var skuByItem: [String: String] = [:]
        var levels: [(item: String, location: String, available: Int)] = []
        try api.catalogue { line in
            switch line {
            case .item(let id, let sku?) where !sku.isEmpty && itemsBySKU[sku] == nil:
                itemsBySKU[sku] = id
                skuByItem[id] = sku
            case .level(let item, let location, let available):
                levels.append((item, location, available))
            case .item: break
            }
        }
        let missing = try AvailabilityStore(connection: store.connection).skus(shop: shop)
            .filter { itemsBySKU[$0] == nil }.sorted()
        try store.saveItems(shop: shop, found: itemsBySKU, missing: missing)
        let observations = levels.compactMap { level in
            skuByItem[level.item].map { PushStore.Observation(sku: $0, location: level.location, available: level.available) }
        }
        try store.recordObserved(shop: shop, observations, takenAt: takenAt, baseline: baseline)
        if everyLevelDue { try store.makeDue(shop: shop, observations.map { LevelKey(sku: $0.sku, location: $0.location) }) }
        // Whatever was set aside gets another chance against the catalogue just read.
        let retried = try store.retryProblems(shop: shop)
        let unknown = try ShopConfigurationStore(connection: store.connection).locations(shop: shop)
            .filter { !storeLocations.contains($0) }
        return Summary(items: itemsBySKU.count, levels: observations.count, missingSKUs: missing,
                       unknownLocations: unknown.sorted(), retriedLevels: retried)
    }
}
