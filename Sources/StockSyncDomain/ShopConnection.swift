/// How to reach one shop's Admin API.
package struct ShopConnection: Sendable, CustomStringConvertible {
    /// `<name>.myshopify.com`.
    package var shop: String
    package var apiVersion: ShopifyAPIVersion
    /// `https://<shop>` for a real store; the simulator's address in development.
    package var adminBaseURL: String
    /// The token as it was when the connection was read; an expiring one is replaced through
    /// the client's `AccessTokenSource`.
    package var accessToken: String
    /// Which connection of the shop this is: a new `shop connect` or install changes it, a
    /// token's refresh does not.
    package var connectedAt: String?

    package init(shop: String, apiVersion: ShopifyAPIVersion = .default, adminBaseURL: String? = nil,
                accessToken: String, connectedAt: String? = nil) {
        self.shop = shop
        self.apiVersion = apiVersion
        self.adminBaseURL = (adminBaseURL ?? "https://\(shop)").trimmingSuffix("/")
        self.accessToken = accessToken
        self.connectedAt = connectedAt
    }

    /// Shopify's rule for a shop's domain
    /// (https://shopify.dev/docs/apps/build/security/app-security-checks/weak-shop-validation:
    /// `^[a-zA-Z0-9][a-zA-Z0-9-]*\.myshopify\.com$`), which a callback's `shop` must meet
    /// before anything is sent to it.
    package static func isShopDomain(_ text: String) -> Bool {
        guard text.hasSuffix(".myshopify.com") else { return false }
        let name = text.utf8.dropLast(".myshopify.com".utf8.count)
        func isAlphanumeric(_ byte: UInt8) -> Bool {
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
        }
        guard let first = name.first, isAlphanumeric(first) else { return false }
        return name.allSatisfy { isAlphanumeric($0) || $0 == UInt8(ascii: "-") }
    }

    package var graphQLURL: String { "\(adminBaseURL)/admin/api/\(apiVersion)/graphql.json" }

    /// Real stores are reached over verified TLS; plain HTTP only on loopback, for the simulator.
    package var isLoopback: Bool { Self.plainHTTPHost(of: adminBaseURL).map(Self.loopbackHosts.contains) ?? false }

    package static let loopbackHosts: Set<Substring> = ["127.0.0.1", "localhost", "[::1]"]

    /// Why `url` may not carry a shop's access token, or nil if it may: `https://` to any
    /// host; `http://` only to this machine's loopback (the simulator) or to a host named in
    /// `plainHTTPHosts` (a simulator on a container network), so that the token never
    /// travels in clear over a network nobody chose.
    package static func adminURLProblem(_ url: String, plainHTTPHosts: Set<String> = []) -> String? {
        if url.hasPrefix("https://"), url.count > "https://".count { return nil }
        guard url.hasPrefix("http://") else { return "must be an https:// URL" }
        if let host = plainHTTPHost(of: url), loopbackHosts.contains(host) || plainHTTPHosts.contains(String(host)) {
            return nil
        }
        return "must be https:// (plain http:// only to 127.0.0.1, localhost, [::1] or a host in "
            + "SHOPIFY_PLAIN_HTTP_HOSTS: the access token would travel in clear)"
    }

    /// The host of an `http://` URL whose authority is a bare host and optional port, nil
    /// otherwise (so `http://127.0.0.1@example.com` has no host here).
    private static func plainHTTPHost(of url: String) -> Substring? {
        guard url.hasPrefix("http://") else { return nil }
        let authority = url.dropFirst("http://".count).prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let host: Substring
        let port: Substring
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[...close]
            port = authority[authority.index(after: close)...]
        } else {
            host = authority.prefix { $0 != ":" }
            port = authority[host.endIndex...]
        }
        let portIsValid = port.isEmpty || (port.first == ":" && port.dropFirst().allSatisfy(\.isASCII) && port.dropFirst().allSatisfy(\.isNumber))
        guard !host.isEmpty, portIsValid, !host.contains("@") else { return nil }
        return host
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
