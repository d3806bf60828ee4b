import StockSyncDomain
import StockSyncPostgres
import StockSyncRuntime
import StockSyncShopify
import StockSyncStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// How the app is installed on a shop through OAuth's authorization code grant
/// (https://shopify.dev/docs/apps/build/authentication-authorization/authenticate-standalone-apps):
/// enabled when `SHOPIFY_CLIENT_ID` is set.
package struct AppInstallConfiguration: Sendable {
    package var access: ShopifyAccess
    package var credentials: ShopifyAppCredentials
    /// `SHOPIFY_APP_URL`: where the gateway is reached from the internet; Shopify sends the
    /// merchant back to `<SHOPIFY_APP_URL>/auth/callback`, which must be an allowed redirect
    /// URL of the app (`[auth] redirect_urls` in shopify.app.toml).
    package var appURL: String
    /// `SHOPIFY_SCOPES`: what the pipeline reads and writes.
    package var scopes: String
    /// `SHOPIFY_ADMIN_URL_TEMPLATE`: a shop's Admin address, `{shop}` replaced by its domain;
    /// the simulator's in development.
    package var adminURLTemplate: String
    package var apiVersion: ShopifyAPIVersion

    package static let callbackPath = "/auth/callback"
    /// Inventory levels written, products and locations read (the catalogue), orders and
    /// their fulfillment orders read (where Shopify took the stock), and webhooks for them.
    package static let defaultScopes = "read_products,read_inventory,write_inventory,read_locations,read_orders,read_merchant_managed_fulfillment_orders"

    /// nil when `SHOPIFY_CLIENT_ID` is not set: shops are then connected by hand.
    package static func configured(in environment: Environment) throws(ConfigurationError) -> Self? {
        guard environment.nonEmpty("SHOPIFY_CLIENT_ID") != nil else { return nil }
        // The tokens granted are sealed with STOCKSYNC_TOKEN_KEY, which this requires.
        let access = try ShopifyAccess(environment: environment)
        guard let credentials = access.credentials else { return nil }
        guard let appURL = environment.nonEmpty("SHOPIFY_APP_URL").map({ $0.hasSuffix("/") ? String($0.dropLast()) : $0 }),
              appURL.hasPrefix("https://") || ShopConnection.adminURLProblem(appURL) == nil
        else {
            throw ConfigurationError(setting: "SHOPIFY_APP_URL",
                                     problem: "must be set to the gateway's public https:// address when SHOPIFY_CLIENT_ID is (Shopify sends merchants back to it)")
        }
        let template = environment.string("SHOPIFY_ADMIN_URL_TEMPLATE", default: "https://{shop}")
        guard template.contains("{shop}"),
              ShopConnection.adminURLProblem(adminBaseURL(template, "shop.myshopify.com"), plainHTTPHosts: access.plainHTTPHosts) == nil
        else {
            throw ConfigurationError(setting: "SHOPIFY_ADMIN_URL_TEMPLATE",
                                     problem: "must be an https:// address containing {shop} (plain http:// only to loopback)")
        }
        let version = environment.string("SHOPIFY_API_VERSION", default: ShopifyAPIVersion.default.description)
        guard let apiVersion = ShopifyAPIVersion(version) else {
            throw ConfigurationError(setting: "SHOPIFY_API_VERSION", problem: "must look like 2026-07")
        }
        return Self(access: access, credentials: credentials, appURL: appURL,
                    scopes: environment.string("SHOPIFY_SCOPES", default: defaultScopes), adminURLTemplate: template,
                    apiVersion: apiVersion)
    }

    package func adminBaseURL(of shop: String) -> String {
        Self.adminBaseURL(adminURLTemplate, shop)
    }

    private static func adminBaseURL(_ template: String, _ shop: String) -> String {
        template.split(separator: "{shop}", omittingEmptySubsequences: false).joined(separator: shop)
    }
}

/// Why an install did not complete, and the HTTP status the merchant's browser is answered.
package struct InstallError: Error, Sendable, CustomStringConvertible {
    package let status: Int
    package let description: String

    static let unknownState = Self(status: 403, description: "the install's state is unknown, used or stale: start the install again")
    static func refused(_ error: TokenEndpointError) -> Self {
        Self(status: error.isRetriable ? 503 : 403, description: "Shopify did not grant the token: \(error)")
    }
}

/// The install's two steps, each a blocking call (the database, and Shopify's token endpoint).
package struct AppInstaller: Sendable {
    package let configuration: AppInstallConfiguration
    package let databaseURL: String
    /// How long a merchant may take on Shopify's authorize page.
    static let stateLifetime: Duration = .seconds(600)

    package init(configuration: AppInstallConfiguration, databaseURL: String) {
        self.configuration = configuration
        self.databaseURL = databaseURL
    }

    /// Where to send the merchant installing on `shop` (a valid shop domain): Shopify's
    /// authorize page, with a `state` nonce recorded for the callback to bring back. Offline
    /// access is the default when no `grant_options[]` is asked.
    package func begin(shop: String, state: String) throws -> String {
        try AppInstallStore(connection: PostgresConnection(url: databaseURL)).begin(shop: shop, state: state, lifetime: Self.stateLifetime)
        return configuration.adminBaseURL(of: shop) + "/admin/oauth/authorize?" + FormEncoding.encode([
            ("client_id", configuration.credentials.clientID), ("scope", configuration.scopes),
            ("redirect_uri", configuration.appURL + AppInstallConfiguration.callbackPath), ("state", state),
        ])
    }

    /// What an install was granted.
    package struct Installed: Sendable {
        package var scopes: String
        /// False when Shopify granted a token that does not expire (an app not made public).
        package var expiring: Bool
    }

    /// The callback of an install, its signature and shop domain already checked: the nonce is
    /// used up, the code exchanged for an expiring offline token, and the shop connected with
    /// it (added first if it is new), in one transaction.
    package func complete(shop: String, code: String, state: String) throws -> Installed {
        let database = try PostgresConnection(url: databaseURL)
        guard try AppInstallStore(connection: database).consume(state: state, shop: shop, lifetime: Self.stateLifetime) else {
            throw InstallError.unknownState
        }
        let adminURL = configuration.adminBaseURL(of: shop)
        let grant: AccessGrant
        do {
            grant = try OAuthTokenEndpoint(credentials: configuration.credentials, adminBaseURL: adminURL)
                .exchange(code: code, adminBaseURL: adminURL)
        } catch let error as TokenEndpointError {
            throw InstallError.refused(error)
        }
        try database.transaction { connection in
            let registry = ShopRegistry(connection: connection)
            try registry.addIfAbsent(shop: shop)
            try registry.connect(shop: shop, apiVersion: configuration.apiVersion,
                                 adminURL: adminURL == "https://\(shop)" ? nil : adminURL, token: grant.token(issuedAt: Date()),
                                 grantedScopes: grant.scope, sealedWith: configuration.access.tokens)
        }
        return Installed(scopes: grant.scope, expiring: grant.isExpiring)
    }
}
