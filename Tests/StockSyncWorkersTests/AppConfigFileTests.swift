import Foundation
import StockSyncDomain
import StockSyncWorkers
import Testing

@Suite("The app's shopify.app.toml")
struct AppConfigFileTests {
    static let example = AppConfigFile(clientID: "your-client-id", appURL: "https://stocksync.example.com",
                                       webhookURL: "https://stocksync.example.com/webhooks/shopify",
                                       scopes: AppInstallConfiguration.defaultScopes, apiVersion: .default)

    @Test("the file generated has every topic, compliance topic, redirect and scope, and the one committed is it")
    func generatedAndCommitted() throws {
        #expect(Self.example.problems(in: Self.example.text).isEmpty)
        let committed = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Schemas/shopify.app.toml")
        #expect(try String(contentsOf: committed, encoding: .utf8) == Self.example.text,
                "Schemas/shopify.app.toml is `stocksync shopify app-config` for the example values")
    }

    @Test("a deployed file lacking a topic, a compliance topic, the redirect, a scope or the address says which")
    func problemsNamed() {
        let text = Self.example.text
        let withoutLevels = text.replacingOccurrences(of: #", "inventory_levels/update""#, with: "")
        #expect(Self.example.problems(in: withoutLevels) == ["no subscription to inventory_levels/update"])
        #expect(Self.example.problems(in: text.replacingOccurrences(of: #""shop/redact""#, with: ""))
            == ["no compliance subscription to shop/redact"])
        #expect(Self.example.problems(in: text.replacingOccurrences(of: "/auth/callback", with: "/callback"))
            == ["https://stocksync.example.com/auth/callback is not an allowed redirect URL"])
        #expect(Self.example.problems(in: text.replacingOccurrences(of: ",write_inventory", with: ""))
            == ["scopes missing: write_inventory"])
        #expect(Self.example.problems(in: text.replacingOccurrences(of: #"uri = "https://stocksync.example.com/webhooks/shopify""#,
                                                                    with: #"uri = "https://old.example.com/hooks""#))
            == ["webhooks are not all sent to https://stocksync.example.com/webhooks/shopify"])
    }
}
