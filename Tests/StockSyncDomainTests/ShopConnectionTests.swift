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
