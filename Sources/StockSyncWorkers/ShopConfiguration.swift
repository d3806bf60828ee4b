import StockSyncPostgres
import StockSyncStore

/// Operators' changes to shops, mappings and safety buffers. Each recomputes the ATS it
/// affects, so configuration and ATS never disagree; each returns how many ATS changed.
package struct ShopConfiguration {
    package let connection: PostgresConnection

    package init(connection: PostgresConnection) {
        self.connection = connection
    }

    private var store: ShopConfigurationStore { ShopConfigurationStore(connection: connection) }
    private var registry: ShopRegistry { ShopRegistry(connection: connection) }

    /// Adds a shop or changes its default safety buffer.
    @discardableResult
    package func upsertShop(_ shop: String, defaultSafetyBuffer: Int) throws -> Int {
        try registry.upsert(shop: shop, defaultSafetyBuffer: defaultSafetyBuffer)
        return try recompute(skusOf: shop)
    }

    /// Makes `warehouse` feed `location` of `shop` (replacing the location it fed before),
    /// with `priority` as the shop's routing rule (`ShopConfigurationStore.map`).
    @discardableResult
    package func map(shop: String, warehouse: String, location: String, priority: Int = 0) throws -> Int {
        try registry.require(shop: shop)
        try store.map(shop: shop, warehouse: warehouse, location: location, priority: priority)
        return try recompute(skusOf: shop)
    }

    @discardableResult
    package func unmap(shop: String, warehouse: String) throws -> Int {
        try store.unmap(shop: shop, warehouse: warehouse)
        return try recompute(skusOf: shop)
    }

    /// Sets (or with nil clears) the buffer of a SKU, at one location or, with a nil
    /// location, at every location of the shop.
    @discardableResult
    package func setSafetyBuffer(shop: String, sku: String, location: String?, buffer: Int?) throws -> Int {
        try registry.require(shop: shop)
        try store.setSafetyBuffer(shop: shop, sku: sku, location: location, buffer: buffer)
        return try AvailabilityRefresher(connection: connection).recompute(skus: [sku])
    }

    package func shops() throws -> [ShopConfigurationStore.ShopSummary] {
        try store.shops()
    }

    private func recompute(skusOf shop: String) throws -> Int {
        try AvailabilityRefresher(connection: connection).recompute(skus: store.skus(shownBy: shop))
    }
}
