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

    /// Adds a shop (installed through OAuth) with no safety buffer, unless it was added before.
    package func addIfAbsent(shop: String) throws(PostgresError) {
        try connection.query("INSERT INTO shops (shop, default_safety_buffer) VALUES ($1, 0) ON CONFLICT (shop) DO NOTHING",
                             [.string(shop)])
    }

    /// Whether a level the ERP feeds where Shopify does not stock the item is activated there
    /// and pushed, or reported as a problem.
    package func setUnstockedPolicy(shop: String, activate: Bool) throws {
        guard try connection.query("UPDATE shops SET unstocked_policy = $2 WHERE shop = $1 RETURNING 1",
                                   [.string(shop), .string(activate ? "activate" : "report")]).count == 1
        else { throw UnknownShop(shop: shop) }
    }

    package func activatesUnstocked(shop: String) throws(PostgresError) -> Bool {
        try connection.query("SELECT coalesce(bool_or(unstocked_policy = 'activate'), false) FROM shops WHERE shop = $1",
                             [.string(shop)]).decode(0, as: Bool.self)
    }

    /// What a drift found live does to the shop: heal (the ERP wins) or report.
    package func setDriftPolicy(shop: String, heal: Bool) throws {
        guard try connection.query("UPDATE shops SET drift_policy = $2 WHERE shop = $1 RETURNING 1",
                                   [.string(shop), .string(heal ? "heal" : "report")]).count == 1
        else { throw UnknownShop(shop: shop) }
    }

    /// The shop's row, its tokens, and with it its mappings, buffers, schedule, backfill and
    /// webhook arrivals (their foreign keys cascade): `shop/redact`.
    package func forget(shop: String) throws(PostgresError) {
        try connection.query("DELETE FROM shops WHERE shop = $1", [.string(shop)])
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
            SELECT shop, api_version, admin_url, sealed_access_token, connected_at::text FROM shops
            WHERE sealed_access_token IS NOT NULL ORDER BY shop
            """)
        return try (0..<rows.count).map { row in
            let (shop, apiVersion, adminURL, sealed, connectedAt) = try rows.decode(row, as: (String, String, String?, String, String?).self)
            return ShopConnection(shop: shop, apiVersion: ShopifyAPIVersion(apiVersion) ?? .default,
                                  adminBaseURL: adminURL, accessToken: try tokens.open(sealed, shop: shop),
                                  connectedAt: connectedAt)
        }
    }

    /// The shop's access token with its expiry and refresh token, opened; nil while it has none.
    package func accessToken(shop: String, openedWith tokens: AccessTokenCipher) throws -> ShopAccessToken? {
        let rows = try connection.query("""
            SELECT sealed_access_token, sealed_refresh_token, extract(epoch FROM access_token_issued_at)::float8,
                extract(epoch FROM access_token_expires_at)::float8, extract(epoch FROM refresh_token_expires_at)::float8
            FROM shops WHERE shop = $1 AND sealed_access_token IS NOT NULL
            """, [.string(shop)])
        guard rows.count == 1 else { return nil }
        let (sealed, sealedRefresh, issuedAt, expiresAt, refreshExpiresAt) =
            try rows.decode(0, as: (String, String?, Double?, Double?, Double?).self)
        var token = ShopAccessToken(accessToken: try tokens.open(sealed, shop: shop))
        if let sealedRefresh, let issuedAt, let expiresAt {
            token.expiry = .init(issuedAt: Date(timeIntervalSince1970: issuedAt), expiresAt: Date(timeIntervalSince1970: expiresAt),
                                 refreshToken: try tokens.open(sealedRefresh, shop: Self.refreshTokenContext(shop)),
                                 refreshTokenExpiresAt: refreshExpiresAt.map(Date.init(timeIntervalSince1970:)))
        }
        return token
    }

    /// Replaces the shop's token, one process and host at a time (a transaction lock of the
    /// shop), and stores the replacement in the same transaction: `refresh` is given the token
    /// as it is now, once any other refresh of the shop has committed, and returns its
    /// replacement, or nil to keep it (another process replaced the one the caller holds).
    /// Returns the token the shop has afterwards; nil when it has none (uninstalled).
    package func replaceToken(shop: String, sealedWith tokens: AccessTokenCipher,
                              _ refresh: (ShopAccessToken) throws -> ShopAccessToken?) throws -> ShopAccessToken? {
        try connection.transaction { connection in
            try connection.query("SELECT pg_advisory_xact_lock($1, hashtext($2))",
                                 [.int(AdvisoryLock.tokenRefresh.namespace), .string(shop)])
            let registry = ShopRegistry(connection: connection)
            let connected = try connection.query("SELECT connected_at::text FROM shops WHERE shop = $1", [.string(shop)])
            guard connected.count == 1, let current = try registry.accessToken(shop: shop, openedWith: tokens) else { return nil }
            guard let replacement = try refresh(current) else { return current }
            // Only over the connection read: one made meanwhile (`connect` takes no lock) keeps
            // its own token, and this refreshed pair of the grant it replaced is dropped.
            let updated = try connection.query("""
                UPDATE shops SET sealed_access_token = $2, sealed_refresh_token = $3, access_token_issued_at = to_timestamp($4::float8),
                    access_token_expires_at = to_timestamp($5::float8), refresh_token_expires_at = to_timestamp($6::float8),
                    token_refreshes = token_refreshes + 1
                WHERE shop = $1 AND sealed_access_token IS NOT NULL AND connected_at IS NOT DISTINCT FROM $7::timestamptz RETURNING 1
                """, [.string(shop)] + Self.tokenColumns(replacement, shop: shop, sealedWith: tokens)
                    + [try connected.decode(0, as: String?.self).map(PostgresParameter.string) ?? .null])
            return updated.count == 1 ? replacement : try registry.accessToken(shop: shop, openedWith: tokens)
        }
    }

    /// Shopify refused to refresh the shop's token (`invalid_grant`: revoked, or expired after
    /// 90 days): the grant is gone, so the token is forgotten, as an uninstall forgets it, and
    /// nothing calls the shop until it is installed again. Only the token that was refused.
    package func forgetRefusedGrant(shop: String, accessToken refused: String, openedWith tokens: AccessTokenCipher) throws {
        try connection.transaction { connection in
            try connection.query("SELECT pg_advisory_xact_lock($1, hashtext($2))",
                                 [.int(AdvisoryLock.tokenRefresh.namespace), .string(shop)])
            guard try ShopRegistry(connection: connection).accessToken(shop: shop, openedWith: tokens)?.accessToken == refused
            else { return }
            try connection.query("""
                UPDATE shops SET sealed_access_token = NULL, sealed_refresh_token = NULL, access_token_issued_at = NULL,
                    access_token_expires_at = NULL, refresh_token_expires_at = NULL
                WHERE shop = $1
                """, [.string(shop)])
        }
    }

    /// Sealed access token, sealed refresh token, issued, expires, refresh token expires.
    private static func tokenColumns(_ token: ShopAccessToken, shop: String, sealedWith tokens: AccessTokenCipher) -> [PostgresParameter] {
        let expiry = token.expiry
        func epoch(_ date: Date?) -> PostgresParameter { date.map { .string($0.timeIntervalSince1970.description) } ?? .null }
        return [.string(tokens.seal(token.accessToken, shop: shop)),
                expiry.map { .string(tokens.seal($0.refreshToken, shop: refreshTokenContext(shop))) } ?? .null,
                epoch(expiry?.issuedAt), epoch(expiry?.expiresAt), epoch(expiry?.refreshTokenExpiresAt)]
    }

    /// What a refresh token is sealed for: its shop, and that it is not the access token, so
    /// that one sealed value cannot be passed off as the other.
    private static func refreshTokenContext(_ shop: String) -> String { "\(shop)#refresh" }


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

    /// Connected shops whose tokens expire (installed through OAuth).
    package func shopsWithExpiringTokens() throws(PostgresError) -> [String] {
        try connection.query("SELECT shop FROM shops WHERE sealed_refresh_token IS NOT NULL ORDER BY shop").decodeAll(as: String.self)
    }

    /// Connects the shop with a token; a shop connected while uninstalled has its catalogue
    /// read afresh before its next push (`catalogueDue`).
    package func connect(shop: String, apiVersion: ShopifyAPIVersion, adminURL: String?, accessToken: String,
                         sealedWith tokens: AccessTokenCipher) throws {
        try connect(shop: shop, apiVersion: apiVersion, adminURL: adminURL, token: ShopAccessToken(accessToken: accessToken),
                    grantedScopes: nil, sealedWith: tokens)
    }

    /// Connects the shop with a token: one given by hand (a custom app's, which does not
    /// expire), or one an OAuth install was granted, with the scopes the merchant granted.
    package func connect(shop: String, apiVersion: ShopifyAPIVersion, adminURL: String?, token: ShopAccessToken,
                         grantedScopes: String?, sealedWith tokens: AccessTokenCipher) throws {
        // The right-hand sides read the row as it was: uninstalled means no token now.
        let rows = try connection.query("""
            UPDATE shops SET api_version = $2, admin_url = $3, sealed_access_token = $4, sealed_refresh_token = $5,
                access_token_issued_at = to_timestamp($6::float8), access_token_expires_at = to_timestamp($7::float8),
                refresh_token_expires_at = to_timestamp($8::float8), granted_scopes = $9,
                access_token = NULL, connected_at = now(),
                served_api_version = CASE WHEN api_version = $2 THEN served_api_version END,
                catalogue_due = catalogue_due OR (uninstalled_at IS NOT NULL AND sealed_access_token IS NULL AND access_token IS NULL)
            WHERE shop = $1 RETURNING 1
            """, [.string(shop), .string(apiVersion.description), adminURL.map(PostgresParameter.string) ?? .null]
                + Self.tokenColumns(token, shop: shop, sealedWith: tokens) + [grantedScopes.map(PostgresParameter.string) ?? .null])
        guard rows.count == 1 else { throw UnknownShop(shop: shop) }
    }

    /// What recording an `app/uninstalled` did.
    package enum Uninstall: Sendable, Equatable {
        /// The token is forgotten (Shopify revoked it): nothing calls the shop's Admin API
        /// until it is connected again.
        case tokenForgotten
        /// The shop was connected again after it (the uninstall was consumed late): the token
        /// stays, and the catalogue is read afresh, since nothing was heard from the store
        /// between the two.
        case connectedSince
        /// This uninstall, or a later one, was recorded before (Shopify's retry).
        case recordedBefore
    }

    /// Records Shopify's `app/uninstalled` of `uninstalledAt`, once: only an uninstall later
    /// than the one recorded changes anything.
    package func markUninstalled(shop: String, at uninstalledAt: Date) throws(PostgresError) -> Uninstall {
        let rows = try connection.query("""
            WITH uninstall AS (SELECT to_timestamp($2::float8) AS at),
            marked AS (
                UPDATE shops s SET uninstalled_at = u.at,
                    sealed_access_token = CASE WHEN s.connected_at >= u.at THEN s.sealed_access_token END,
                    sealed_refresh_token = CASE WHEN s.connected_at >= u.at THEN s.sealed_refresh_token END,
                    access_token = CASE WHEN s.connected_at >= u.at THEN s.access_token END,
                    catalogue_due = s.catalogue_due OR coalesce(s.connected_at >= u.at, false)
                FROM uninstall u
                WHERE s.shop = $1 AND (s.uninstalled_at IS NULL OR s.uninstalled_at < u.at)
                RETURNING coalesce(s.connected_at >= u.at, false) AS connected_since
            )
            SELECT connected_since FROM marked
            """, [.string(shop), .string(uninstalledAt.timeIntervalSince1970.description)])
        guard rows.count == 1 else { return .recordedBefore }
        return try rows.decode(0, as: Bool.self) ? .connectedSince : .tokenForgotten
    }

    /// Shopify served the shop's calls with this API version.
    package func recordServedVersion(shop: String, _ version: ShopifyAPIVersion) throws(PostgresError) {
        try connection.query("UPDATE shops SET served_api_version = $2 WHERE shop = $1 AND served_api_version IS DISTINCT FROM $2",
                             [.string(shop), .string(version.description)])
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
                SELECT shop, access_token, sealed_access_token, sealed_refresh_token FROM shops
                WHERE access_token IS NOT NULL OR sealed_access_token IS NOT NULL ORDER BY shop FOR UPDATE
                """)
            var resealed = 0
            for row in 0..<rows.count {
                let (shop, clear, sealed, sealedRefresh) = try rows.decode(row, as: (String, String?, String?, String?).self)
                let current = [sealed, sealedRefresh].compactMap { $0 }.allSatisfy { AccessTokenCipher.keyID(of: $0) == tokens.keyID }
                if sealed != nil, clear == nil, current { continue }
                let token = try clear ?? tokens.open(sealed!, shop: shop)
                let refreshToken = try sealedRefresh.map { try tokens.open($0, shop: Self.refreshTokenContext(shop)) }
                try connection.query("""
                    UPDATE shops SET sealed_access_token = $2, sealed_refresh_token = $3, access_token = NULL WHERE shop = $1
                    """, [.string(shop), .string(tokens.seal(token, shop: shop)),
                          refreshToken.map { .string(tokens.seal($0, shop: Self.refreshTokenContext(shop))) } ?? .null])
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
