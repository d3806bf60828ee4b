/// Shops, warehouse → location mappings and safety buffers, as operators set them. Each
/// change recomputes the ATS it affects, so configuration and ATS never disagree.
public struct ShopConfigurationStore {
    public let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// Adds a shop or changes its default safety buffer. Returns how many ATS changed.
    @discardableResult
    public func upsertShop(_ shop: String, defaultSafetyBuffer: Int) throws -> Int {
        try connection.query("""
            INSERT INTO shops (shop, default_safety_buffer) VALUES ($1, $2)
            ON CONFLICT (shop) DO UPDATE SET default_safety_buffer = excluded.default_safety_buffer
            """, [.string(shop), .int(defaultSafetyBuffer)])
        return try recompute(skusOf: shop)
    }

    /// Makes `warehouse` feed `location` of `shop` (replacing the location it fed before).
    @discardableResult
    public func map(shop: String, warehouse: String, location: String) throws -> Int {
        try requireShop(shop)
        try connection.query("""
            INSERT INTO warehouse_locations (shop, warehouse, location) VALUES ($1, $2, $3)
            ON CONFLICT (shop, warehouse) DO UPDATE SET location = excluded.location
            """, [.string(shop), .string(warehouse), .string(location)])
        return try recompute(skusOf: shop)
    }

    @discardableResult
    public func unmap(shop: String, warehouse: String) throws -> Int {
        try connection.query("DELETE FROM warehouse_locations WHERE shop = $1 AND warehouse = $2",
                             [.string(shop), .string(warehouse)])
        return try recompute(skusOf: shop)
    }

    /// Sets (or with nil clears) the buffer of a SKU, at one location or, with a nil
    /// location, at every location of the shop.
    @discardableResult
    public func setSafetyBuffer(shop: String, sku: String, location: String?, buffer: Int?) throws -> Int {
        try requireShop(shop)
        if let buffer {
            try connection.query("""
                INSERT INTO safety_buffers (shop, sku, location, buffer) VALUES ($1, $2, $3, $4)
                ON CONFLICT (shop, sku, location) DO UPDATE SET buffer = excluded.buffer
                """, [.string(shop), .string(sku), .string(location ?? ""), .int(buffer)])
        } else {
            try connection.query("DELETE FROM safety_buffers WHERE shop = $1 AND sku = $2 AND location = $3",
                                 [.string(shop), .string(sku), .string(location ?? "")])
        }
        return try StockBatchApplier(connection: connection).recompute(skus: [sku])
    }

    public struct ShopSummary: Sendable, Codable {
        public var shop: String
        public var defaultSafetyBuffer: Int
        public var mappings: [String: String]
    }

    public func shops() throws -> [ShopSummary] {
        let rows = try connection.query("""
            SELECT s.shop, s.default_safety_buffer, m.warehouse, m.location
            FROM shops s LEFT JOIN warehouse_locations m USING (shop) ORDER BY s.shop, m.warehouse
            """)
        var summaries: [ShopSummary] = []
        for row in 0..<rows.count {
            let shop = rows.string(row, 0)!
            if summaries.last?.shop != shop {
                summaries.append(ShopSummary(shop: shop, defaultSafetyBuffer: rows.int(row, 1)!, mappings: [:]))
            }
            if let warehouse = rows.string(row, 2) { summaries[summaries.count - 1].mappings[warehouse] = rows.string(row, 3) }
        }
        return summaries
    }

    private func requireShop(_ shop: String) throws {
        guard try connection.query("SELECT 1 FROM shops WHERE shop = $1", [.string(shop)]).count == 1 else {
            throw UnknownShop(shop: shop)
        }
    }

    /// Every SKU the shop shows or could show: stocked in a warehouse it maps, or with an ATS row.
    private func recompute(skusOf shop: String) throws -> Int {
        let rows = try connection.query("""
            SELECT DISTINCT sku FROM stock_levels
            WHERE warehouse IN (SELECT warehouse FROM warehouse_locations WHERE shop = $1)
            UNION SELECT sku FROM available_to_sell WHERE shop = $1
            """, [.string(shop)])
        let skus = (0..<rows.count).map { rows.string($0, 0)! }
        return try StockBatchApplier(connection: connection).recompute(skus: skus)
    }

    public struct UnknownShop: Error, CustomStringConvertible {
        public let shop: String
        public var description: String { "unknown shop \(shop): add it with `stocksync shop add \(shop)`" }
    }
}

/// Read-only views for operators: a SKU's ERP levels and the ATS they produce.
public struct StockQueries {
    public let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    public struct WarehouseLevel: Sendable, Codable {
        public var warehouse: String
        public var onHand: Int
        public var allocated: Int
        public var reserved: Int
        public var snapshotVersion: Int
    }

    public struct LocationAvailability: Sendable, Codable {
        public var shop: String
        public var location: String
        public var available: Int
        public var version: Int
        public var pushedVersion: Int
        public var dueForPush: Bool
    }

    public struct SKUReport: Sendable, Codable {
        public var sku: String
        public var warehouses: [WarehouseLevel]
        public var availability: [LocationAvailability]
    }

    public func report(skus: [String]) throws -> [SKUReport] {
        let levels = try connection.query("""
            SELECT sku, warehouse, on_hand, allocated, reserved, snapshot_version
            FROM stock_levels WHERE sku = ANY($1::text[]) ORDER BY sku, warehouse
            """, [.strings(skus)])
        let availability = try connection.query("""
            SELECT sku, shop, location, available, version, pushed_version
            FROM available_to_sell WHERE sku = ANY($1::text[]) ORDER BY sku, shop, location
            """, [.strings(skus)])
        var reports = Dictionary(uniqueKeysWithValues: skus.map { ($0, SKUReport(sku: $0, warehouses: [], availability: [])) })
        for row in 0..<levels.count {
            reports[levels.string(row, 0)!]?.warehouses.append(WarehouseLevel(
                warehouse: levels.string(row, 1)!, onHand: levels.int(row, 2)!, allocated: levels.int(row, 3)!,
                reserved: levels.int(row, 4)!, snapshotVersion: levels.int(row, 5)!))
        }
        for row in 0..<availability.count {
            let version = availability.int(row, 4)!, pushed = availability.int(row, 5)!
            reports[availability.string(row, 0)!]?.availability.append(LocationAvailability(
                shop: availability.string(row, 1)!, location: availability.string(row, 2)!,
                available: availability.int(row, 3)!, version: version, pushedVersion: pushed,
                dueForPush: version > pushed))
        }
        return skus.compactMap { reports[$0] }
    }
}
