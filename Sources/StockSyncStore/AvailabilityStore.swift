import StockSyncDomain
import StockSyncPostgres

/// Operators' and the catalogue's reads of `available_to_sell` by shop.
package struct AvailabilityStore {
    package let connection: PostgresConnection

    package init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// The SKUs the shop has an ATS for.
    package func skus(shop: String) throws(PostgresError) -> [String] {
        let rows = try connection.query("SELECT DISTINCT sku FROM available_to_sell WHERE shop = $1", [.string(shop)])
        return try (0..<rows.count).map { row throws(PostgresError) in try rows.decode(row, as: String.self) }
    }

    /// How many of the shop's levels are due for a push.
    package func dueLevels(shop: String) throws(PostgresError) -> Int {
        try connection.query("SELECT count(*) FROM available_to_sell WHERE shop = $1 AND due", [.string(shop)])
            .decode(0, as: Int.self)
    }

    /// The shop's ATS, by level.
    package func availability(shop: String) throws(PostgresError) -> [LevelKey: Int] {
        let rows = try connection.query(
            "SELECT sku, location, available FROM available_to_sell WHERE shop = $1", [.string(shop)])
        var result: [LevelKey: Int] = [:]
        result.reserveCapacity(rows.count)
        for row in 0..<rows.count {
            let (sku, location, available) = try rows.decode(row, as: (String, String, Int).self)
            result[LevelKey(sku: sku, location: location)] = available
        }
        return result
    }
}
