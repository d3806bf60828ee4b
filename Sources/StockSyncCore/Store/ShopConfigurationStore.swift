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
    /// `priority` is the shop's routing rule: order lines taken at the location are reserved
    /// in its warehouses by ascending priority.
    @discardableResult
    public func map(shop: String, warehouse: String, location: String, priority: Int = 0) throws -> Int {
        try requireShop(shop)
        try connection.query("""
            INSERT INTO warehouse_locations (shop, warehouse, location, priority) VALUES ($1, $2, $3, $4)
            ON CONFLICT (shop, warehouse) DO UPDATE SET location = excluded.location, priority = excluded.priority
            """, [.string(shop), .string(warehouse), .string(location), .int(priority)])
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
