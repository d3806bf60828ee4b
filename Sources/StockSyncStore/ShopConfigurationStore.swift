import StockSyncPostgres

/// Warehouse → location mappings and safety buffers, as operators set them. Changing them
/// changes ATS: `ShopConfiguration` recomputes it after each change.
package struct ShopConfigurationStore {
    package let connection: PostgresConnection

    package init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// Makes `warehouse` feed `location` of `shop` (replacing the location it fed before).
    /// `priority` is the shop's routing rule: order lines taken at the location are reserved
    /// in its warehouses by ascending priority.
    package func map(shop: String, warehouse: String, location: String, priority: Int) throws(PostgresError) {
        try connection.query("""
            INSERT INTO warehouse_locations (shop, warehouse, location, priority) VALUES ($1, $2, $3, $4)
            ON CONFLICT (shop, warehouse) DO UPDATE SET location = excluded.location, priority = excluded.priority
            """, [.string(shop), .string(warehouse), .string(location), .int(priority)])
    }

    package func unmap(shop: String, warehouse: String) throws(PostgresError) {
        try connection.query("DELETE FROM warehouse_locations WHERE shop = $1 AND warehouse = $2",
                             [.string(shop), .string(warehouse)])
    }

    /// Sets (or with nil clears) the buffer of a SKU, at one location or, with a nil
    /// location, at every location of the shop.
    package func setSafetyBuffer(shop: String, sku: String, location: String?, buffer: Int?) throws(PostgresError) {
        if let buffer {
            try connection.query("""
                INSERT INTO safety_buffers (shop, sku, location, buffer) VALUES ($1, $2, $3, $4)
                ON CONFLICT (shop, sku, location) DO UPDATE SET buffer = excluded.buffer
                """, [.string(shop), .string(sku), .string(location ?? ""), .int(buffer)])
        } else {
            try connection.query("DELETE FROM safety_buffers WHERE shop = $1 AND sku = $2 AND location = $3",
                                 [.string(shop), .string(sku), .string(location ?? "")])
        }
    }

    package struct ShopSummary: Sendable, Codable {
        package var shop: String
        package var defaultSafetyBuffer: Int
        package var mappings: [String: String]
    }

    package func shops() throws(PostgresError) -> [ShopSummary] {
        let rows = try connection.query("""
            SELECT s.shop, s.default_safety_buffer, m.warehouse, m.location
            FROM shops s LEFT JOIN warehouse_locations m USING (shop) ORDER BY s.shop, m.warehouse
            """)
        var summaries: [ShopSummary] = []
        for row in 0..<rows.count {
            let (shop, buffer, warehouse, location) = try rows.decode(row, as: (String, Int, String?, String?).self)
            if summaries.last?.shop != shop {
                summaries.append(ShopSummary(shop: shop, defaultSafetyBuffer: buffer, mappings: [:]))
            }
            if let warehouse { summaries[summaries.count - 1].mappings[warehouse] = location }
        }
        return summaries
    }

    /// Every SKU the shop shows or could show: stocked in a warehouse it maps, or with an ATS row.
    package func skus(shownBy shop: String) throws(PostgresError) -> [String] {
        let rows = try connection.query("""
            SELECT DISTINCT sku FROM stock_levels
            WHERE warehouse IN (SELECT warehouse FROM warehouse_locations WHERE shop = $1)
            UNION SELECT sku FROM available_to_sell WHERE shop = $1
            """, [.string(shop)])
        return try (0..<rows.count).map { row throws(PostgresError) in try rows.decode(row, as: String.self) }
    }

    /// The locations the shop's warehouses feed.
    package func locations(shop: String) throws(PostgresError) -> [String] {
        let rows = try connection.query("SELECT DISTINCT location FROM warehouse_locations WHERE shop = $1",
                                        [.string(shop)])
        return try (0..<rows.count).map { row throws(PostgresError) in try rows.decode(row, as: String.self) }
    }
}
