import Logging
import StockSyncDomain
import StockSyncPostgres
import StockSyncRuntime
import StockSyncShopify
import StockSyncStore

/// What every process that calls shops' Admin APIs takes from its environment: the key their
/// access tokens are sealed with at rest (`STOCKSYNC_TOKEN_KEY`, required, and
/// `STOCKSYNC_TOKEN_KEY_PREVIOUS` during a rotation), and the hosts besides loopback that a
/// token may be sent to over plain HTTP (`SHOPIFY_PLAIN_HTTP_HOSTS`).
package struct ShopifyAccess: Sendable {
    package var tokens: AccessTokenCipher
    package var plainHTTPHosts: Set<String>

    package init(environment: Environment) throws(ConfigurationError) {
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
    }

    /// The connected shops, their tokens opened.
    package func connectedShops(in database: PostgresConnection) throws -> [ShopConnection] {
        try ShopRegistry(connection: database).connectedShops(openedWith: tokens)
    }

    package func api(for shop: ShopConnection, logger: Logger) throws -> InventoryAPI {
        try InventoryAPI(connection: shop, plainHTTPHosts: plainHTTPHosts, logger: logger)
    }

    /// Stops a process at start whose keys do not open the tokens already sealed. Checked
    /// when the database answers now; when it does not, every later read of a token that
    /// does not open names the setting instead.
    package func verifyKeys(databaseURL: String, logger: Logger) throws(ConfigurationError) {
        let sealing: [String: [String]]
        do {
            sealing = try ShopRegistry(connection: PostgresConnection(url: databaseURL)).shopsBySealingKey()
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
    }
}
