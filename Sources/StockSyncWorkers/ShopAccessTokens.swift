import Logging
import Metrics
import StockSyncDomain
import StockSyncPostgres
import StockSyncRuntime
import StockSyncShopify
import StockSyncStore
import Synchronization

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Every shop's access token in one process. An expiring offline token is refreshed a few
/// minutes before it expires and when Shopify refuses it
/// (https://shopify.dev/changelog/offline-access-tokens-now-support-expiry-and-refresh:
/// "Proactively refresh tokens a few minutes before they expire, and when you receive a 401
/// response"), by one process at a time across every host (`ShopRegistry.replaceToken`):
/// whoever comes second finds the token already replaced and takes the new one. A refresh
/// that fails leaves the stored pair as it was, still usable; Shopify lets the refresh token
/// used be used again until its replacement is.
package final class ShopAccessTokens: Sendable {
    private let databaseURL: String
    private let cipher: AccessTokenCipher
    private let credentials: ShopifyAppCredentials?
    private let refreshAhead: Duration
    private let logger: Logger
    /// The latest token this process has seen of each shop, and the connection it belongs to
    /// (`ShopConnection.connectedAt`): a shop connected again starts afresh from the database.
    private let known = Mutex<[String: (connectedAt: String?, token: ShopAccessToken)]>([:])
    private let refreshes = Counter(label: "stocksync_shopify_token_refreshes_total")

    package init(databaseURL: String, cipher: AccessTokenCipher, credentials: ShopifyAppCredentials?,
                 refreshAhead: Duration, logger: Logger) {
        self.databaseURL = databaseURL
        self.cipher = cipher
        self.credentials = credentials
        self.refreshAhead = refreshAhead
        self.logger = logger
    }

    /// The source a client of `shop` sends its tokens from.
    package func source(for shop: ShopConnection) -> any AccessTokenSource {
        RotatingAccessToken(shop: shop, tokens: self)
    }

    /// The token to send for `shop` now, refreshed first when it is due.
    fileprivate func current(_ shop: ShopConnection) -> String {
        let now = Date()
        let held = known.withLock { known in known[shop.shop].flatMap { $0.connectedAt == shop.connectedAt ? $0.token : nil } }
        guard let held else {
            // First use in this process: the stored token tells whether and when it expires.
            do {
                guard let stored = try ShopRegistry(connection: PostgresConnection(url: databaseURL))
                    .accessToken(shop: shop.shop, openedWith: cipher) else { return shop.accessToken }
                remember(stored, of: shop)
                return stored.isDueForRefresh(at: now, ahead: refreshAhead) ? current(shop) : stored.accessToken
            } catch {
                logger.warning("cannot read the shop's token now; sending the one read with its connection",
                               metadata: ["shop": "\(shop.shop)", "error": "\(error)"])
                return shop.accessToken
            }
        }
        guard held.isDueForRefresh(at: now, ahead: refreshAhead) else { return held.accessToken }
        do {
            return try replace(held.accessToken, of: shop, because: .due)?.accessToken ?? held.accessToken
        } catch {
            // The token is still good for a few minutes; the next call tries again.
            logger.warning("token not refreshed ahead of its expiry; trying again at the next call",
                           metadata: ["shop": "\(shop.shop)", "error": "\(error)"])
            return held.accessToken
        }
    }

    /// What to send for `shop` instead of `refused`, which Shopify answered 401.
    fileprivate func replacing(_ refused: String, of shop: ShopConnection) throws(ShopifyError) -> String? {
        do {
            guard let replacement = try replace(refused, of: shop, because: .refused) else { return nil }
            return replacement.accessToken == refused ? nil : replacement.accessToken
        } catch let error as TokenEndpointError where !error.isRetriable {
            logger.error("Shopify refused to refresh the shop's token: the app must be installed on the shop again",
                         metadata: ["shop": "\(shop.shop)", "error": "\(error)"])
            return nil
        } catch {
            throw .accessToken("\(error)", retriable: true)
        }
    }

    private enum Reason { case due, refused }

    /// The shop's token after replacing `held`: refreshed here if it is still the stored one
    /// (and due, or refused), or the one another process stored meanwhile. Throws the token
    /// endpoint's or the database's error; the stored pair is then as it was.
    private func replace(_ held: String, of shop: ShopConnection, because reason: Reason) throws -> ShopAccessToken? {
        let registry = try ShopRegistry(connection: PostgresConnection(url: databaseURL))
        var refreshed = false
        let after = try registry.replaceToken(shop: shop.shop, sealedWith: cipher) { current throws -> ShopAccessToken? in
            // Another process refreshed it, or the shop was connected again: take that one.
            guard current.accessToken == held, let expiry = current.expiry else { return nil }
            let now = Date()
            guard reason == .refused || current.isDueForRefresh(at: now, ahead: refreshAhead) else { return nil }
            guard let credentials else {
                logger.error("the shop's token expires but SHOPIFY_CLIENT_ID and SHOPIFY_CLIENT_SECRET are not set: it cannot be refreshed",
                             metadata: ["shop": "\(shop.shop)"])
                return nil
            }
            let grant = try OAuthTokenEndpoint(credentials: credentials, adminBaseURL: shop.adminBaseURL)
                .refresh(expiry.refreshToken, adminBaseURL: shop.adminBaseURL)
            refreshed = true
            return grant.token(issuedAt: now)
        }
        if refreshed {
            refreshes.increment()
            logger.info("refreshed the shop's access token", metadata: [
                "shop": "\(shop.shop)", "expires": "\(after.flatMap(\.expiry).map { Timestamp.format($0.expiresAt) } ?? "never")",
            ])
        }
        if let after { remember(after, of: shop) } else { known.withLock { $0[shop.shop] = nil } }
        return after
    }

    private func remember(_ token: ShopAccessToken, of shop: ShopConnection) {
        known.withLock { $0[shop.shop] = (shop.connectedAt, token) }
    }
}

/// One client's view of its shop's token in `ShopAccessTokens`.
private final class RotatingAccessToken: AccessTokenSource {
    let shop: ShopConnection
    let tokens: ShopAccessTokens

    init(shop: ShopConnection, tokens: ShopAccessTokens) {
        self.shop = shop
        self.tokens = tokens
    }

    func token() -> String { tokens.current(shop) }

    func token(replacingRefused refused: String) throws(ShopifyError) -> String? {
        try tokens.replacing(refused, of: shop)
    }
}
