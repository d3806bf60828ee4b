import ShopifyWebhooks
import StockSyncShopify
import Testing

@Suite("OAuth query signatures")
struct QuerySignatureTests {
    /// Shopify's own example of a signed callback and the secret it was signed with (from the
    /// OAuth guide of Shopify's documentation, "hush").
    static let example = "code=0907a61c0c8d55e99db179b68161bc00&hmac=700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf&shop=some-shop.myshopify.com&state=0.6784241404160823&timestamp=1337178173"

    @Test("Shopify's example verifies: every parameter but hmac, sorted, name=value joined with &, hex HMAC-SHA256")
    func shopifyExample() {
        let query = FormEncoding.decode(Self.example)
        #expect(QuerySignature.isSigned(query, secrets: ["hush"]))
        #expect(QuerySignature.isSigned(query, secrets: ["new-secret", "hush"]), "the previous secret, while rotating")
        #expect(QuerySignature.signature(of: query, secret: "hush") == "700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf")
    }

    @Test("a changed parameter, an added one, a second hmac, or a wrong secret does not verify")
    func tampered() {
        let query = FormEncoding.decode(Self.example)
        #expect(!QuerySignature.isSigned(query, secrets: ["other"]))
        #expect(!QuerySignature.isSigned(query.map { $0.0 == "shop" ? ($0.0, "evil.myshopify.com") : $0 }, secrets: ["hush"]))
        #expect(!QuerySignature.isSigned(query + [("extra", "1")], secrets: ["hush"]))
        #expect(!QuerySignature.isSigned(query + [("hmac", "00")], secrets: ["hush"]))
        #expect(!QuerySignature.isSigned(query.filter { $0.0 != "hmac" }, secrets: ["hush"]))
    }
}
