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
    private let known = Mutex<[String: (connectedAt: String?, token: ShopAccessToken, retryAt: ContinuousClock.Instant?)]>([:])
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
        let entry = known.withLock { known in known[shop.shop].flatMap { $0.connectedAt == shop.connectedAt ? $0 : nil } }
        guard let entry else {
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
        let held = entry.token
        guard held.isDueForRefresh(at: now, ahead: refreshAhead), entry.retryAt.map({ ContinuousClock.now >= $0 }) ?? true else {
            return held.accessToken
        }
        do {
            return try replace(held.accessToken, of: shop, because: .due)?.accessToken ?? held.accessToken
        } catch {
            // The token is still good for a few minutes: sent, and the refresh tried again later.
            known.withLock { $0[shop.shop]?.retryAt = ContinuousClock.now + Self.retryPause }
            logger.warning("token not refreshed ahead of its expiry; trying again later", metadata: [
                "shop": "\(shop.shop)", "error": "\(error)", "retry_in": "\(Self.retryPause)",
            ])
            return held.accessToken
        }
    }

    /// How long a refresh that failed ahead of expiry waits before it is tried again.
    static let retryPause: Duration = .seconds(30)

    /// What to send for `shop` instead of `refused`, which Shopify answered 401.
    fileprivate func replacing(_ refused: String, of shop: ShopConnection) throws(ShopifyError) -> String? {
        do {
            guard let replacement = try replace(refused, of: shop, because: .refused) else { return nil }
            return replacement.accessToken == refused ? nil : replacement.accessToken
        } catch is MissingCredentials {
            return nil
        } catch {
            throw .accessToken("\(error)", retriable: true)
        }
    }

    private enum Reason { case due, refused }

    private struct MissingCredentials: Error, CustomStringConvertible {
        var description: String { "SHOPIFY_CLIENT_ID and SHOPIFY_CLIENT_SECRET are not set: an expiring token cannot be refreshed" }
    }

    /// The shop's token after replacing `held`: refreshed here if it is still the stored one
    /// (and due, or refused), or the one another process stored meanwhile; nil when the shop
    /// has none. A refresh Shopify refuses for its grant (`invalid_grant`: revoked, or the
    /// refresh token expired) forgets the token, as an uninstall does, and gives nil. Throws
    /// an outage of the token endpoint or the database, and missing credentials; the stored
    /// pair is then as it was.
    private func replace(_ held: String, of shop: ShopConnection, because reason: Reason) throws -> ShopAccessToken? {
        let registry = try ShopRegistry(connection: PostgresConnection(url: databaseURL))
        var refreshed = false
        let after: ShopAccessToken?
        do {
            after = try registry.replaceToken(shop: shop.shop, sealedWith: cipher) { current throws -> ShopAccessToken? in
                // Another process refreshed it, or the shop was connected again: take that one.
                guard current.accessToken == held, let expiry = current.expiry else { return nil }
                let now = Date()
                guard reason == .refused || current.isDueForRefresh(at: now, ahead: refreshAhead) else { return nil }
                guard let credentials else { throw MissingCredentials() }
                let grant = try OAuthTokenEndpoint(credentials: credentials, adminBaseURL: shop.adminBaseURL)
                    .refresh(expiry.refreshToken, adminBaseURL: shop.adminBaseURL)
                refreshed = true
                return grant.token(issuedAt: now)
            }
        } catch let error as TokenEndpointError where error.isGrantRefused {
            try registry.forgetRefusedGrant(shop: shop.shop, accessToken: held, openedWith: cipher)
            known.withLock { $0[shop.shop] = nil }
            logger.error("Shopify refused to refresh the shop's token; it is forgotten, and the shop is called no more until the app is installed on it again",
                         metadata: ["shop": "\(shop.shop)", "error": "\(error)"])
            return nil
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
        known.withLock { $0[shop.shop] = (shop.connectedAt, token, nil) }
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
