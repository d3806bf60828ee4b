import Foundation
import StockSyncDomain
import StockSyncPostgres
import StockSyncStore
import Testing

/// Shops' access tokens at rest, against a real PostgreSQL and the real executables.
extension IntegrationTests {
    @Suite("Access tokens sealed at rest (PostgreSQL)")
    struct AccessTokenTests {
        static let shop = "sealed.myshopify.com"
        static let token = "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"

        init() throws {
            try IntegrationEnvironment.reset()
        }

        private func stocksync(_ arguments: [String], environment: [String: String] = [:]) throws -> WorkerProcess {
            let command = try WorkerProcess("stocksync", name: "stocksync-\(arguments[0])", arguments: arguments,
                                            environment: environment)
            _ = command.waitForExit(timeout: .seconds(30))
            return command
        }

        private func stored() throws -> (clear: String?, sealed: String?) {
            try IntegrationEnvironment.database()
                .query("SELECT access_token, sealed_access_token FROM shops WHERE shop = $1", [.string(Self.shop)])
                .decode(0, as: (String?, String?).self)
        }

        @Test("`shop connect` keeps the token only sealed; a worker whose key does not open it stops at start naming the key")
        func connectSealsAndWrongKeyStops() throws {
            _ = try stocksync(["shop", "add", Self.shop])
            let connect = try stocksync(["shop", "connect", Self.shop, "--token-env", "SHOP_TOKEN"],
                                        environment: ["SHOP_TOKEN": Self.token])
            #expect(connect.log.contains("connected"), "\(connect.log)")
            let (clear, sealed) = try stored()
            #expect(clear == nil)
            #expect(sealed.map { !$0.contains(Self.token) && !$0.contains("shpat_") } == true)
            #expect(try IntegrationEnvironment.tokens.open(sealed!, shop: Self.shop) == Self.token)

            let otherKey = AccessTokenCipher.generateKey()
            for worker in ["push-worker", "order-worker", "reconcile-worker"] {
                let process = try WorkerProcess(worker, name: "\(worker)-wrong-key", environment: ["STOCKSYNC_TOKEN_KEY": otherKey])
                #expect(process.waitForExit(timeout: .seconds(20)) == 2, "\(process.log)")
                #expect(process.log.contains("STOCKSYNC_TOKEN_KEY does not open the access tokens of \(Self.shop)"), "\(process.log)")
                #expect(!process.log.contains(otherKey) && !process.log.contains(Self.token))
            }
        }

        @Test("app/uninstalled forgets the token once; a retry changes nothing; one consumed after a reconnection keeps the token and makes the catalogue due")
        func uninstallForgetsTheTokenOnce() throws {
            let database = try IntegrationEnvironment.database()
            let registry = ShopRegistry(connection: database)
            try registry.upsert(shop: Self.shop, defaultSafetyBuffer: 0)
            func connect() throws {
                try registry.connect(shop: Self.shop, apiVersion: .default, adminURL: nil, accessToken: Self.token,
                                     sealedWith: IntegrationEnvironment.tokens)
            }
            func connected() throws -> Bool {
                try registry.connectedShops(openedWith: IntegrationEnvironment.tokens).contains { $0.shop == Self.shop }
            }
            try connect()
            #expect(try registry.catalogueDue(shop: Self.shop) == nil, "a first connection is synced by hand")

            let uninstalledAt = Date()
            #expect(try registry.markUninstalled(shop: Self.shop, at: uninstalledAt) == .tokenForgotten)
            #expect(try !connected())
            #expect(try stored() == (nil, nil))
            #expect(try registry.servedDomains() == [Self.shop], "its late deliveries are still read")
            #expect(try registry.markUninstalled(shop: Self.shop, at: uninstalledAt) == .recordedBefore, "Shopify's retry")
            #expect(try registry.markUninstalled(shop: Self.shop, at: uninstalledAt.addingTimeInterval(-60)) == .recordedBefore)

            let beforeReconnecting = Date()
            try connect()
            #expect(try connected())
            let due = try #require(try registry.catalogueDue(shop: Self.shop), "connected while uninstalled")
            #expect(try registry.markUninstalled(shop: Self.shop, at: uninstalledAt) == .recordedBefore, "a retry after the reinstall")
            #expect(try connected())
            try registry.catalogueRead(shop: Self.shop, for: due)
            #expect(try registry.catalogueDue(shop: Self.shop) == nil)

            // Uninstalled again and reinstalled before the order-worker consumed the uninstall.
            #expect(try registry.markUninstalled(shop: Self.shop, at: beforeReconnecting) == .connectedSince)
            #expect(try connected(), "the token of the reinstall stays")
            #expect(try registry.catalogueDue(shop: Self.shop) != nil, "nothing was heard from the store in between")
        }

        @Test("a token kept in clear from before is sealed by `migrate`; `shop reseal` moves every token to a new key")
        func clearTokensSealedAndKeysRotated() throws {
            _ = try stocksync(["shop", "add", Self.shop])
            try IntegrationEnvironment.database().query(
                "UPDATE shops SET access_token = $2 WHERE shop = $1", [.string(Self.shop), .string(Self.token)])
            let migrate = try stocksync(["migrate"])
            #expect(migrate.log.contains("sealed   1 access tokens kept in clear"), "\(migrate.log)")
            let (clear, sealed) = try stored()
            #expect(clear == nil)
            #expect(try IntegrationEnvironment.tokens.open(try #require(sealed), shop: Self.shop) == Self.token)

            let newKey = AccessTokenCipher.generateKey()
            let reseal = try stocksync(["shop", "reseal"], environment: [
                "STOCKSYNC_TOKEN_KEY": newKey, "STOCKSYNC_TOKEN_KEY_PREVIOUS": IntegrationEnvironment.tokenKey,
            ])
            #expect(reseal.log.contains("1 access tokens sealed again"), "\(reseal.log)")
            let rotated = try #require(try stored().sealed)
            #expect(try AccessTokenCipher(key: newKey).open(rotated, shop: Self.shop) == Self.token)
            #expect(throws: AccessTokenSealProblem.self) { try IntegrationEnvironment.tokens.open(rotated, shop: Self.shop) }
        }
    }
}
