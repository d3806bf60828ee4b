/// A Shopify location of one shop.
package struct ShopLocation: Hashable, Sendable {
    package var shop: String
    package var location: String

    package init(shop: String, location: String) {
        self.shop = shop
        self.location = location
    }
}

/// One level Shopify displays: a SKU at a location of a shop.
package struct AvailabilityKey: Hashable, Sendable {
    package var shop: String
    package var sku: String
    package var location: String

    package init(shop: String, sku: String, location: String) {
        self.shop = shop
        self.sku = sku
        self.location = location
    }

    package var shopLocation: ShopLocation { ShopLocation(shop: shop, location: location) }
}

/// An ERP warehouse feeding a Shopify location. Within a shop a warehouse feeds one
/// location; a location may be fed by several warehouses, and a warehouse may feed
/// locations of several shops.
package struct WarehouseMapping: Hashable, Sendable {
    package var shop: String
    package var warehouse: String
    package var location: String

    package init(shop: String, warehouse: String, location: String) {
        self.shop = shop
        self.warehouse = warehouse
        self.location = location
    }
}

/// Safety buffers: a default per shop, overridden per SKU, overridden per (SKU, location).
package struct SafetyBufferPolicy: Sendable {
    package struct SKUOverride: Hashable, Sendable {
        package var shop: String
        package var sku: String
        /// nil: every location of the shop.
        package var location: String?

        package init(shop: String, sku: String, location: String?) {
            self.shop = shop
            self.sku = sku
            self.location = location
        }
    }

    package var shopDefaults: [String: Int]
    package var overrides: [SKUOverride: Int]

    package init(shopDefaults: [String: Int] = [:], overrides: [SKUOverride: Int] = [:]) {
        self.shopDefaults = shopDefaults
        self.overrides = overrides
    }

    package func buffer(for key: AvailabilityKey) -> Int {
        overrides[SKUOverride(shop: key.shop, sku: key.sku, location: key.location)]
            ?? overrides[SKUOverride(shop: key.shop, sku: key.sku, location: nil)]
            ?? shopDefaults[key.shop]
            ?? 0
    }
}

/// ATS(shop, sku, location) = Σ over the warehouses mapped to the location of
/// (on_hand − allocated − reserved) − safety buffer, never below 0 nor above Shopify's maximum.
package struct AvailabilityCalculator: Sendable {
    private let locationsByWarehouse: [String: [ShopLocation]]
    private let warehousesByLocation: [ShopLocation: [String]]
    private let buffers: SafetyBufferPolicy

    package init(mappings: [WarehouseMapping], buffers: SafetyBufferPolicy) {
        var locationsByWarehouse: [String: [ShopLocation]] = [:]
        var warehousesByLocation: [ShopLocation: [String]] = [:]
        for mapping in mappings {
            let location = ShopLocation(shop: mapping.shop, location: mapping.location)
            locationsByWarehouse[mapping.warehouse, default: []].append(location)
            warehousesByLocation[location, default: []].append(mapping.warehouse)
        }
        self.locationsByWarehouse = locationsByWarehouse
        self.warehousesByLocation = warehousesByLocation
        self.buffers = buffers
    }

    /// Shopify refuses a level above 1,000,000,000 (`INVALID_QUANTITY_TOO_HIGH`, "The total
    /// quantity can't be higher than 1,000,000,000"), and summed warehouses can pass it.
    package static let maximumQuantity = 1_000_000_000

    package static func availableToSell(net: Int, buffer: Int) -> Int {
        min(maximumQuantity, max(0, net - buffer))
    }

    /// The locations a warehouse feeds, in every shop.
    package func locations(fedBy warehouse: String) -> [ShopLocation] {
        locationsByWarehouse[warehouse] ?? []
    }

    /// The warehouses that feed a location.
    package func warehouses(feeding location: ShopLocation) -> [String] {
        warehousesByLocation[location] ?? []
    }

    /// ATS of one SKU at every location fed by a warehouse that holds a level for it,
    /// and at `alsoAt` (locations that already show the SKU: an unmapped one falls to 0).
    package func availability(
        sku: String,
        stock: [String: StockQuantities],
        alsoAt: some Sequence<ShopLocation> = []
    ) -> [ShopLocation: Int] {
        var locations = Set(alsoAt)
        for warehouse in stock.keys {
            locations.formUnion(self.locations(fedBy: warehouse))
        }
        var result: [ShopLocation: Int] = [:]
        for location in locations {
            result[location] = availableToSell(sku: sku, at: location) { stock[$0] }
        }
        return result
    }

    /// What a change to some levels can move: per SKU, the locations their warehouses feed;
    /// and every level those locations sum, which computing them needs.
    package struct Reach: Equatable, Sendable {
        package var locations: [String: Set<ShopLocation>] = [:]
        package var levels: Set<StockKey> = []

        package init(locations: [String: Set<ShopLocation>] = [:], levels: Set<StockKey> = []) {
            self.locations = locations
            self.levels = levels
        }
    }

    package func reach(of keys: some Sequence<StockKey>) -> Reach {
        var reach = Reach()
        for key in keys {
            for location in locations(fedBy: key.warehouse)
            where reach.locations[key.sku, default: []].insert(location).inserted {
                for warehouse in warehouses(feeding: location) {
                    reach.levels.insert(StockKey(sku: key.sku, warehouse: warehouse))
                }
            }
        }
        return reach
    }

    /// ATS at every location of `reach`; `quantities` must give every level of
    /// `reach.levels` that exists (one it lacks holds nothing).
    package func availability(in reach: Reach, quantities: (StockKey) -> StockQuantities?) -> [AvailabilityKey: Int] {
        var result: [AvailabilityKey: Int] = [:]
        for (sku, locations) in reach.locations {
            for location in locations {
                result[AvailabilityKey(shop: location.shop, sku: sku, location: location.location)] =
                    availableToSell(sku: sku, at: location) { quantities(StockKey(sku: sku, warehouse: $0)) }
            }
        }
        return result
    }

    private func availableToSell(sku: String, at location: ShopLocation,
                                 quantities: (String) -> StockQuantities?) -> Int {
        let net = warehouses(feeding: location).reduce(0) { $0 + (quantities($1)?.net ?? 0) }
        let key = AvailabilityKey(shop: location.shop, sku: sku, location: location.location)
        return Self.availableToSell(net: net, buffer: buffers.buffer(for: key))
    }
}
