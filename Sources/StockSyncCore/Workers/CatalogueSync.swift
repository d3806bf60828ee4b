import Logging

/// Reads a store's whole catalogue through one bulk operation and records what it says:
/// SKU → inventory item, and what Shopify holds at every level (as observed quantities,
/// so that the first push of each level is a compare-and-set against it).
public struct CatalogueSync {
    public let store: PushStore
    public let api: InventoryAPI
    /// Take Shopify's levels as they are, forgetting units held back as sold but not yet
    /// reserved (the store was reset, or every order is known to have reached the ERP).
    public var baseline: Bool

    public init(store: PushStore, api: InventoryAPI, baseline: Bool = false) {
        self.store = store
        self.api = api
        self.baseline = baseline
    }

    public struct Summary: Sendable, Codable {
        public var items: Int
        public var levels: Int
        /// SKUs in our outbox that the store has no item for.
        public var missingSKUs: [String]
        /// Mapped locations the store does not have.
        public var unknownLocations: [String]
        /// Levels set aside with a problem, made due again.
        public var retriedLevels: Int
    }

    public func run() throws -> Summary {
        let shop = api.client.connection.shop
        let storeLocations = Set(try api.locations().map(\.id))
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
        let ours = try store.connection.query("SELECT DISTINCT sku FROM available_to_sell WHERE shop = $1", [.string(shop)])
        let missing = (0..<ours.count).compactMap { ours.string($0, 0) }.filter { itemsBySKU[$0] == nil }.sorted()
        try store.saveItems(shop: shop, found: itemsBySKU, missing: missing)
        let observations = levels.compactMap { level in
            skuByItem[level.item].map { PushStore.Observation(sku: $0, location: level.location, available: level.available) }
        }
        try store.recordObserved(shop: shop, observations, baseline: baseline)
        // Whatever was set aside gets another chance against the catalogue just read.
        let retried = try store.retryProblems(shop: shop)
        let mapped = try store.connection.query("SELECT DISTINCT location FROM warehouse_locations WHERE shop = $1",
                                                [.string(shop)])
        let unknown = (0..<mapped.count).compactMap { mapped.string($0, 0) }.filter { !storeLocations.contains($0) }
        return Summary(items: itemsBySKU.count, levels: observations.count, missingSKUs: missing,
                       unknownLocations: unknown.sorted(), retriedLevels: retried)
    }
}
