/// How to reach one shop's Admin API.
package struct ShopConnection: Sendable, CustomStringConvertible {
    /// `<name>.myshopify.com`.
    package var shop: String
    package var apiVersion: ShopifyAPIVersion
    /// `https://<shop>` for a real store; the simulator's address in development.
    package var adminBaseURL: String
    package var accessToken: String

    package init(shop: String, apiVersion: ShopifyAPIVersion = .default, adminBaseURL: String? = nil,
                accessToken: String) {
        self.shop = shop
        self.apiVersion = apiVersion
        self.adminBaseURL = (adminBaseURL ?? "https://\(shop)").trimmingSuffix("/")
        self.accessToken = accessToken
    }

    package var graphQLURL: String { "\(adminBaseURL)/admin/api/\(apiVersion)/graphql.json" }

    /// Real stores are reached over verified TLS; plain HTTP only on loopback, for the simulator.
    package var isLoopback: Bool {
        adminBaseURL.hasPrefix("http://127.0.0.1") || adminBaseURL.hasPrefix("http://localhost")
            || adminBaseURL.hasPrefix("http://[::1]")
    }

    /// Never the token.
    package var description: String { "\(shop) via \(adminBaseURL) (API \(apiVersion))" }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        var text = self
        while text.hasSuffix(suffix) { text.removeLast(suffix.count) }
        return text
    }
}
