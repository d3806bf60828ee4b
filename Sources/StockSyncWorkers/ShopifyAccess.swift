import Logging
import StockSyncDomain
import StockSyncPostgres
import StockSyncRuntime
import StockSyncShopify
import StockSyncStore

/// What every process that calls shops' Admin APIs takes from its environment: the key their
/// access tokens are sealed with at rest (`STOCKSYNC_TOKEN_KEY`, required, and
/// `STOCKSYNC_TOKEN_KEY_PREVIOUS` during a rotation), the hosts besides loopback that a
/// token may be sent to over plain HTTP (`SHOPIFY_PLAIN_HTTP_HOSTS`), and, for shops
/// installed through OAuth, whose tokens expire, the app's credentials that refresh them
/// (`SHOPIFY_CLIENT_ID`, `SHOPIFY_CLIENT_SECRET`) and how long before expiry they are
/// refreshed (`SHOPIFY_TOKEN_REFRESH_AHEAD_SECONDS`).
package struct ShopifyAccess: Sendable {
    package var tokens: AccessTokenCipher
    package var plainHTTPHosts: Set<String>
    package var credentials: ShopifyAppCredentials?
    /// Every shop's current token in this process.
    package let shopTokens: ShopAccessTokens

    package init(environment: Environment, logger: Logger = Logger(label: "stocksync")) throws(ConfigurationError) {
        guard let key = environment.nonEmpty("STOCKSYNC_TOKEN_KEY") else {
            throw ConfigurationError(setting: "STOCKSYNC_TOKEN_KEY",
                                     problem: "must be set: shops' access tokens are sealed with it (openssl rand -base64 32)")
        }
        let previous = environment.nonEmpty("STOCKSYNC_TOKEN_KEY_PREVIOUS")
        for (setting, value) in [("STOCKSYNC_TOKEN_KEY", key), ("STOCKSYNC_TOKEN_KEY_PREVIOUS", previous)] {
            guard let value else { continue }
            do { _ = try AccessTokenCipher(key: value) } catch { throw ConfigurationError(setting: setting, problem: error.description) }
        }
        tokens = try! AccessTokenCipher(key: key, previous: previous)  // both checked above
        plainHTTPHosts = Set(environment.list("SHOPIFY_PLAIN_HTTP_HOSTS"))
        credentials = try Self.credentials(in: environment)
        let refreshAhead = try environment.int("SHOPIFY_TOKEN_REFRESH_AHEAD_SECONDS", default: 300, in: 1...3_000)
        shopTokens = ShopAccessTokens(
            databaseURL: try environment.databaseURL("DATABASE_URL", default: DevelopmentDefaults.databaseURL),
            cipher: tokens, credentials: credentials, refreshAhead: .seconds(refreshAhead), logger: logger)
    }

    /// `SHOPIFY_CLIENT_ID` and `SHOPIFY_CLIENT_SECRET` (the app's secret, which also signs its
    /// webhooks: `WEBHOOK_SECRET` when that is the one set), both or neither.
    package static func credentials(in environment: Environment) throws(ConfigurationError) -> ShopifyAppCredentials? {
        let secret = environment.nonEmpty("SHOPIFY_CLIENT_SECRET") ?? environment.nonEmpty("WEBHOOK_SECRET")
        guard let clientID = environment.nonEmpty("SHOPIFY_CLIENT_ID") else {
            if environment.nonEmpty("SHOPIFY_CLIENT_SECRET") != nil {
                throw ConfigurationError(setting: "SHOPIFY_CLIENT_ID", problem: "must be set with SHOPIFY_CLIENT_SECRET (the app's client ID)")
            }
            return nil
        }
        guard let secret else {
            throw ConfigurationError(setting: "SHOPIFY_CLIENT_SECRET", problem: "must be set with SHOPIFY_CLIENT_ID (the app's client secret)")
        }
        return ShopifyAppCredentials(clientID: clientID, clientSecret: secret)
    }

    /// The connected shops, their tokens opened.
    package func connectedShops(in database: PostgresConnection) throws -> [ShopConnection] {
        try ShopRegistry(connection: database).connectedShops(openedWith: tokens)
    }

    /// The shop's API, sending the shop's current token (`shopTokens`).
    package func api(for shop: ShopConnection, logger: Logger) throws -> InventoryAPI {
        let api = try InventoryAPI(connection: shop, plainHTTPHosts: plainHTTPHosts, logger: logger)
        api.client.tokens = shopTokens.source(for: shop)
        return api
    }

    /// Stops a process at start whose keys do not open the tokens already sealed. Checked
    /// when the database answers now; when it does not, every later read of a token that
    /// does not open names the setting instead.
    package func verifyKeys(databaseURL: String, logger: Logger) throws(ConfigurationError) {
        let sealing: [String: [String]]
        let expiring: [String]
        do {
            let registry = try ShopRegistry(connection: PostgresConnection(url: databaseURL))
            sealing = try registry.shopsBySealingKey()
            expiring = try registry.shopsWithExpiringTokens()
        } catch {
            logger.warning("cannot check STOCKSYNC_TOKEN_KEY against the stored tokens now", metadata: ["error": "\(error)"])
            return
        }
        let unopened = sealing.filter { !tokens.opens(keyID: $0.key) }
        guard unopened.isEmpty else {
            let shops = unopened.values.joined().sorted()
            throw ConfigurationError(setting: "STOCKSYNC_TOKEN_KEY", problem: """
                does not open the access tokens of \(shops.prefix(5).joined(separator: ", "))\(shops.count > 5 ? " and \(shops.count - 5) more" : "") \
                (sealed with key id \(unopened.keys.sorted().joined(separator: ", ")); this key's id is \(tokens.keyID)): \
                set the key they were sealed with, or keep it as STOCKSYNC_TOKEN_KEY_PREVIOUS while `stocksync shop reseal` runs
                """)
        }
        if credentials == nil, !expiring.isEmpty {
            throw ConfigurationError(setting: "SHOPIFY_CLIENT_ID", problem: """
                must be set, with SHOPIFY_CLIENT_SECRET: the tokens of \(expiring.prefix(5).joined(separator: ", "))\(expiring.count > 5 ? " and \(expiring.count - 5) more" : "") \
                expire, and the app's credentials refresh them
                """)
        }
    }
}
