import StockSyncDomain
import StockSyncPostgres
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

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

    /// What the webhook gateway serves: the connected shops, and the uninstalled ones, whose
    /// late deliveries (Shopify's retries of `app/uninstalled` and of orders placed before it)
    /// are still theirs to read.
    package func servedDomains() throws(PostgresError) -> Set<String> {
        let rows = try connection.query("""
            SELECT shop FROM shops WHERE sealed_access_token IS NOT NULL OR uninstalled_at IS NOT NULL
            """)
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

    /// Connects the shop with a token; a shop uninstalled before has its catalogue read
    /// afresh before its next push (`catalogueDue`).
    package func connect(shop: String, apiVersion: ShopifyAPIVersion, adminURL: String?, accessToken: String,
                         sealedWith tokens: AccessTokenCipher) throws {
        // The right-hand sides read the row as it was: `uninstalled_at` before it is cleared.
        let rows = try connection.query("""
            UPDATE shops SET api_version = $2, admin_url = $3, sealed_access_token = $4, access_token = NULL,
                connected_at = now(), uninstalled_at = NULL, catalogue_due = catalogue_due OR uninstalled_at IS NOT NULL
            WHERE shop = $1 RETURNING 1
            """, [.string(shop), .string(apiVersion.description), adminURL.map(PostgresParameter.string) ?? .null,
                  .string(tokens.seal(accessToken, shop: shop))])
        guard rows.count == 1 else { throw UnknownShop(shop: shop) }
    }

    /// Records Shopify's `app/uninstalled`: the token is forgotten (Shopify revoked it), so
    /// nothing calls the shop's Admin API until it is connected again. An uninstall from
    /// before the shop's latest connection (a late delivery, or a retry, arriving after a
    /// reinstall) changes nothing, and neither does one already recorded. Returns whether
    /// the shop was connected until now.
    package func markUninstalled(shop: String, at uninstalledAt: Date) throws(PostgresError) -> Bool {
        try connection.query("""
            UPDATE shops SET sealed_access_token = NULL, access_token = NULL, uninstalled_at = to_timestamp($2::float8)
            WHERE shop = $1 AND uninstalled_at IS NULL AND (connected_at IS NULL OR connected_at < to_timestamp($2::float8))
            RETURNING 1
            """, [.string(shop), .string(uninstalledAt.timeIntervalSince1970.description)]).count == 1
    }

    /// One connection of a shop, as `catalogueDue` found it.
    package struct Connection: Sendable, Equatable {
        /// `connected_at` as PostgreSQL writes it: exact to the microsecond, so it compares equal.
        fileprivate let connectedAt: String
    }

    /// The shop's connection, if its catalogue is to be read before its next push.
    package func catalogueDue(shop: String) throws(PostgresError) -> Connection? {
        let rows = try connection.query("SELECT connected_at::text FROM shops WHERE shop = $1 AND catalogue_due",
                                        [.string(shop)])
        return rows.count == 1 ? Connection(connectedAt: try rows.decode(0, as: String.self)) : nil
    }

    /// The catalogue was read for `connection`; a newer connection keeps it due.
    package func catalogueRead(shop: String, for connection: Connection) throws(PostgresError) {
        try self.connection.query("""
            UPDATE shops SET catalogue_due = false WHERE shop = $1 AND connected_at = $2::timestamptz
            """, [.string(shop), .string(connection.connectedAt)])
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
