import StockSyncDomain
import StockSyncPostgres

/// The `shops` table: which shops exist, their default safety buffer, and how to reach
/// each one's Admin API. Every process that needs the list of shops reads it here.
package struct ShopRegistry {
    package let connection: PostgresConnection

    package init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// Adds a shop or changes its default safety buffer.
    package func upsert(shop: String, defaultSafetyBuffer: Int) throws(PostgresError) {
        try connection.query("""
            INSERT INTO shops (shop, default_safety_buffer) VALUES ($1, $2)
            ON CONFLICT (shop) DO UPDATE SET default_safety_buffer = excluded.default_safety_buffer
            """, [.string(shop), .int(defaultSafetyBuffer)])
    }

    /// Throws `UnknownShop` unless the shop was added.
    package func require(shop: String) throws {
        guard try connection.query("SELECT 1 FROM shops WHERE shop = $1", [.string(shop)]).count == 1 else {
            throw UnknownShop(shop: shop)
        }
    }

    /// Shops with an access token, that is, the ones to push to.
    package func connectedShops() throws -> [ShopConnection] {
        let rows = try connection.query("""
            SELECT shop, api_version, admin_url, access_token FROM shops
            WHERE access_token IS NOT NULL ORDER BY shop
            """)
        return try (0..<rows.count).map { row in
            let (shop, apiVersion, adminURL, accessToken) = try rows.decode(row, as: (String, String, String?, String).self)
            return ShopConnection(shop: shop, apiVersion: ShopifyAPIVersion(apiVersion) ?? .default,
                                  adminBaseURL: adminURL, accessToken: accessToken)
        }
    }

    /// The connected shops' domains, without their tokens: what the webhook gateway serves.
    package func connectedDomains() throws(PostgresError) -> Set<String> {
        let rows = try connection.query("SELECT shop FROM shops WHERE access_token IS NOT NULL")
        return Set(try (0..<rows.count).map { row throws(PostgresError) in try rows.decode(row, as: String.self) })
    }

    package func connect(shop: String, apiVersion: ShopifyAPIVersion, adminURL: String?, accessToken: String) throws {
        let rows = try connection.query("""
            UPDATE shops SET api_version = $2, admin_url = $3, access_token = $4 WHERE shop = $1 RETURNING 1
            """, [.string(shop), .string(apiVersion.description), adminURL.map(PostgresParameter.string) ?? .null,
                  .string(accessToken)])
        guard rows.count == 1 else { throw UnknownShop(shop: shop) }
    }
}
