import Foundation
import StockSyncDomain
import Testing

@Suite("Where a shop's access token may be sent")
struct ShopConnectionTests {
    @Test("https anywhere and plain http to loopback carry the token", arguments: [
        "https://brand.myshopify.com", "https://proxy.internal:8443/shopify", "http://127.0.0.1:8123",
        "http://localhost", "http://localhost:9000/x", "http://[::1]:8123",
    ])
    func accepted(url: String) {
        #expect(ShopConnection.adminURLProblem(url) == nil)
        #expect(ShopConnection(shop: "s.myshopify.com", adminBaseURL: url, accessToken: "t").isLoopback
            == url.hasPrefix("http://"))
    }

    @Test("a host named for plain HTTP (a simulator on a container network) is that host only")
    func namedPlainHTTPHost() {
        let hosts: Set<String> = ["shopify-simulator"]
        #expect(ShopConnection.adminURLProblem("http://shopify-simulator:9300/store/a", plainHTTPHosts: hosts) == nil)
        #expect(ShopConnection.adminURLProblem("http://shopify-simulator:9300/store/a") != nil)
        #expect(ShopConnection.adminURLProblem("http://shopify-simulator.example:9300/", plainHTTPHosts: hosts) != nil)
        #expect(!ShopConnection(shop: "a", adminBaseURL: "http://shopify-simulator:9300", accessToken: "t").isLoopback)
    }

    @Test("an address that would send the token in clear, or is no URL, is refused", arguments: [
        "http://brand.myshopify.com", "http://10.0.0.5:8123", "http://127.0.0.1.attacker.example",
        "http://localhost.attacker.example/", "http://127.0.0.1@attacker.example", "http://[::1].example",
        "ftp://brand.myshopify.com", "https://", "brand.myshopify.com",
    ])
    func refused(url: String) {
        #expect(ShopConnection.adminURLProblem(url) != nil)
        #expect(!ShopConnection(shop: "s.myshopify.com", adminBaseURL: url, accessToken: "t").isLoopback)
    }
}

@Suite("Shop domains and expiring tokens")
struct ShopAccessTokenTests {
    @Test("Shopify's shop domain rule: a letter or digit, then letters, digits and hyphens, then .myshopify.com", arguments: [
        ("brand.myshopify.com", true), ("Brand-2.myshopify.com", true), ("9.myshopify.com", true),
        ("-brand.myshopify.com", false), ("brand.myshopify.com.evil.com", false), ("evil.com/brand.myshopify.com", false),
        ("brand.shop.myshopify.com", false), (".myshopify.com", false), ("bränd.myshopify.com", false),
        ("brand.myshopify.com?x=1", false), ("", false),
    ])
    func shopDomain(text: String, valid: Bool) {
        #expect(ShopConnection.isShopDomain(text) == valid)
    }

    private func token(issued: Double, expires: Double) -> ShopAccessToken {
        ShopAccessToken(accessToken: "shpat_x", expiry: .init(
            issuedAt: Date(timeIntervalSince1970: issued), expiresAt: Date(timeIntervalSince1970: expires),
            refreshToken: "shprt_x", refreshTokenExpiresAt: nil))
    }

    @Test("an expiring token is due within `ahead` of its expiry and after it, never in the first half of its life")
    func dueForRefresh() {
        let hour = token(issued: 0, expires: 3_600)
        #expect(!hour.isDueForRefresh(at: Date(timeIntervalSince1970: 3_299), ahead: .seconds(300)))
        #expect(hour.isDueForRefresh(at: Date(timeIntervalSince1970: 3_300), ahead: .seconds(300)))
        #expect(hour.isDueForRefresh(at: Date(timeIntervalSince1970: 9_999), ahead: .seconds(300)))
        // Thirty seconds of life and five minutes ahead: due at half its life, not at once.
        let short = token(issued: 100, expires: 130)
        #expect(!short.isDueForRefresh(at: Date(timeIntervalSince1970: 114.9), ahead: .seconds(300)))
        #expect(short.isDueForRefresh(at: Date(timeIntervalSince1970: 115), ahead: .seconds(300)))
        #expect(!ShopAccessToken(accessToken: "shpat_fixed").isDueForRefresh(at: .distantFuture, ahead: .seconds(300)))
        #expect(!"\(hour)".contains("shpat_x") && !"\(hour)".contains("shprt_x"))
    }
}
