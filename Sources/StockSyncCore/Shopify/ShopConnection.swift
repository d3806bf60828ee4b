/// How to reach one shop's Admin API.
public struct ShopConnection: Sendable, CustomStringConvertible {
    /// `<name>.myshopify.com`.
    public var shop: String
    public var apiVersion: ShopifyAPIVersion
    /// `https://<shop>` for a real store; the simulator's address in development.
    public var adminBaseURL: String
    public var accessToken: String

    public init(shop: String, apiVersion: ShopifyAPIVersion = .default, adminBaseURL: String? = nil,
                accessToken: String) {
        self.shop = shop
        self.apiVersion = apiVersion
        self.adminBaseURL = (adminBaseURL ?? "https://\(shop)").trimmingSuffix("/")
        self.accessToken = accessToken
    }

    public var graphQLURL: String { "\(adminBaseURL)/admin/api/\(apiVersion)/graphql.json" }

    /// Real stores are reached over verified TLS; plain HTTP only on loopback, for the simulator.
    public var isLoopback: Bool {
        adminBaseURL.hasPrefix("http://127.0.0.1") || adminBaseURL.hasPrefix("http://localhost")
            || adminBaseURL.hasPrefix("http://[::1]")
    }

    /// Never the token.
    public var description: String { "\(shop) via \(adminBaseURL) (API \(apiVersion))" }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        var text = self
        while text.hasSuffix(suffix) { text.removeLast(suffix.count) }
        return text
    }
}
