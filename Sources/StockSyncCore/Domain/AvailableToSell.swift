/// A Shopify location of one shop.
public struct ShopLocation: Hashable, Sendable {
    public var shop: String
    public var location: String

    public init(shop: String, location: String) {
        self.shop = shop
        self.location = location
    }
}

/// One level Shopify displays: a SKU at a location of a shop.
public struct AvailabilityKey: Hashable, Sendable {
    public var shop: String
    public var sku: String
    public var location: String

    public init(shop: String, sku: String, location: String) {
        self.shop = shop
        self.sku = sku
        self.location = location
    }

    public var shopLocation: ShopLocation { ShopLocation(shop: shop, location: location) }
}

/// An ERP warehouse feeding a Shopify location. Within a shop a warehouse feeds one
/// location; a location may be fed by several warehouses, and a warehouse may feed
/// locations of several shops.
public struct WarehouseMapping: Hashable, Sendable {
    public var shop: String
    public var warehouse: String
    public var location: String

    public init(shop: String, warehouse: String, location: String) {
        self.shop = shop
        self.warehouse = warehouse
        self.location = location
    }
}

/// Safety buffers: a default per shop, overridden per SKU, overridden per (SKU, location).
public struct SafetyBufferPolicy: Sendable {
    public struct SKUOverride: Hashable, Sendable {
        public var shop: String
        public var sku: String
        /// nil: every location of the shop.
        public var location: String?

        public init(shop: String, sku: String, location: String?) {
            self.shop = shop
            self.sku = sku
            self.location = location
        }
    }

    public var shopDefaults: [String: Int]
    public var overrides: [SKUOverride: Int]

    public init(shopDefaults: [String: Int] = [:], overrides: [SKUOverride: Int] = [:]) {
        self.shopDefaults = shopDefaults
        self.overrides = overrides
    }

    public func buffer(for key: AvailabilityKey) -> Int {
        overrides[SKUOverride(shop: key.shop, sku: key.sku, location: key.location)]
            ?? overrides[SKUOverride(shop: key.shop, sku: key.sku, location: nil)]
            ?? shopDefaults[key.shop]
            ?? 0
    }
}

/// ATS(shop, sku, location) = Σ over the warehouses mapped to the location of
/// (on_hand − allocated − reserved) − safety buffer, never below 0.
public struct AvailabilityCalculator: Sendable {
    private let locationsByWarehouse: [String: [ShopLocation]]
    private let warehousesByLocation: [ShopLocation: [String]]
    private let buffers: SafetyBufferPolicy

    public init(mappings: [WarehouseMapping], buffers: SafetyBufferPolicy) {
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

    public static func availableToSell(net: Int, buffer: Int) -> Int {
        max(0, net - buffer)
    }

    /// The locations a warehouse feeds, in every shop.
    public func locations(fedBy warehouse: String) -> [ShopLocation] {
        locationsByWarehouse[warehouse] ?? []
    }

    /// The warehouses that feed a location.
    public func warehouses(feeding location: ShopLocation) -> [String] {
        warehousesByLocation[location] ?? []
    }

    /// ATS of one SKU at every location fed by a warehouse that holds a level for it,
    /// and at `alsoAt` (locations that already show the SKU: an unmapped one falls to 0).
    public func availability(
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
    public struct Reach: Equatable, Sendable {
        public var locations: [String: Set<ShopLocation>] = [:]
        public var levels: Set<StockKey> = []

        public init(locations: [String: Set<ShopLocation>] = [:], levels: Set<StockKey> = []) {
            self.locations = locations
            self.levels = levels
        }
    }

    public func reach(of keys: some Sequence<StockKey>) -> Reach {
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
    public func availability(in reach: Reach, quantities: (StockKey) -> StockQuantities?) -> [AvailabilityKey: Int] {
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
