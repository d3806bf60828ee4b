import StockSyncDomain
import StockSyncPostgres

/// The `shops` table: which shops exist, their default safety buffer, and how to reach
/// each one's Admin API, its access token sealed (`AccessTokenCipher`). Every process that
/// needs the list of shops reads it here.
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

    /// Shops with an access token, that is, the ones to push to, their tokens opened.
    package func connectedShops(openedWith tokens: AccessTokenCipher) throws -> [ShopConnection] {
        let rows = try connection.query("""
            SELECT shop, api_version, admin_url, sealed_access_token FROM shops
            WHERE sealed_access_token IS NOT NULL ORDER BY shop
            """)
        return try (0..<rows.count).map { row in
            let (shop, apiVersion, adminURL, sealed) = try rows.decode(row, as: (String, String, String?, String).self)
            return ShopConnection(shop: shop, apiVersion: ShopifyAPIVersion(apiVersion) ?? .default,
                                  adminBaseURL: adminURL, accessToken: try tokens.open(sealed, shop: shop))
        }
    }

    /// The connected shops' domains, without their tokens: what the webhook gateway serves.
    package func connectedDomains() throws(PostgresError) -> Set<String> {
        let rows = try connection.query("SELECT shop FROM shops WHERE sealed_access_token IS NOT NULL")
        return Set(try (0..<rows.count).map { row throws(PostgresError) in try rows.decode(row, as: String.self) })
    }

    /// Connected shops by the id of the key their token was sealed with.
    package func shopsBySealingKey() throws(PostgresError) -> [String: [String]] {
        let rows = try connection.query("SELECT shop, sealed_access_token FROM shops WHERE sealed_access_token IS NOT NULL")
        var shops: [String: [String]] = [:]
        for row in 0..<rows.count {
            let (shop, sealed) = try rows.decode(row, as: (String, String).self)
            shops[AccessTokenCipher.keyID(of: sealed) ?? "none", default: []].append(shop)
        }
        return shops
    }

    package func connect(shop: String, apiVersion: ShopifyAPIVersion, adminURL: String?, accessToken: String,
                         sealedWith tokens: AccessTokenCipher) throws {
        let rows = try connection.query("""
            UPDATE shops SET api_version = $2, admin_url = $3, sealed_access_token = $4 WHERE shop = $1 RETURNING 1
            """, [.string(shop), .string(apiVersion.description), adminURL.map(PostgresParameter.string) ?? .null,
                  .string(tokens.seal(accessToken, shop: shop))])
        guard rows.count == 1 else { throw UnknownShop(shop: shop) }
    }

    /// Seals again under the current key every token: those kept in clear before tokens were
    /// sealed (then cleared), and those sealed with the previous key. Returns how many.
    package func reseal(with tokens: AccessTokenCipher) throws -> Int {
        try connection.transaction { connection in
            let rows = try connection.query("""
                SELECT shop, access_token, sealed_access_token FROM shops
                WHERE access_token IS NOT NULL OR sealed_access_token IS NOT NULL ORDER BY shop FOR UPDATE
                """)
            var resealed = 0
            for row in 0..<rows.count {
                let (shop, clear, sealed) = try rows.decode(row, as: (String, String?, String?).self)
                if let sealed, clear == nil, AccessTokenCipher.keyID(of: sealed) == tokens.keyID { continue }
                let token = try clear ?? tokens.open(sealed!, shop: shop)
                try connection.query("""
                    UPDATE shops SET sealed_access_token = $2, access_token = NULL WHERE shop = $1
                    """, [.string(shop), .string(tokens.seal(token, shop: shop))])
                resealed += 1
            }
            return resealed
        }
    }

    /// Shops whose token is still kept in clear (from before tokens were sealed).
    package func clearTokenCount() throws(PostgresError) -> Int {
        try connection.query("SELECT count(*) FROM shops WHERE access_token IS NOT NULL").decode(0, as: Int.self)
    }
}
