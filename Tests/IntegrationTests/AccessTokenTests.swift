import Foundation
import Synchronization
import Logging
import StockSyncDomain
import StockSyncPostgres
import StockSyncRuntime
import StockSyncShopify
import StockSyncStore
import StockSyncWorkers
import TestSupport
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

        @Test("an install's code is exchanged once, with its state; its expiring token is refreshed once however many processes find it due; a refused one takes the stored replacement; a refresh Shopify cannot answer leaves the pair usable; a revoked grant gives no token")
        func expiringTokenRefreshedOnce() throws {
            let simulator = try SimulatorProcess()
            let client = simulator.client
            try client.seed(Self.shop, .init(token: "shpat_by_hand", plan: "plus", locations: [.init(id: 1, name: "East")], items: []))
            try client.setApp(clientID: "tests-app", clientSecret: "tests-secret", accessTokenSeconds: 4)
            let databaseURL = try #require(IntegrationEnvironment.databaseURL)
            let environment = Environment(ProcessInfo.processInfo.environment.merging([
                "DATABASE_URL": databaseURL, "STOCKSYNC_TOKEN_KEY": IntegrationEnvironment.tokenKey,
                "SHOPIFY_CLIENT_ID": "tests-app", "SHOPIFY_CLIENT_SECRET": "tests-secret",
                "SHOPIFY_APP_URL": "https://gateway.example", "SHOPIFY_ADMIN_URL_TEMPLATE": client.baseURL + "/store/{shop}",
            ]) { $1 })
            let installer = AppInstaller(configuration: try #require(try AppInstallConfiguration.configured(in: environment)),
                                         databaseURL: databaseURL)

            // The merchant approves on Shopify's authorize page, which sends them back with a code.
            let authorize = try installer.begin(shop: Self.shop, state: "state-1")
            let redirect = try CurlTransport(keptHeaders: ["Location"]).get(authorize, headers: [])
            let callback = try #require(redirect.headers["location"])
            #expect(redirect.status == 302 && callback.hasPrefix("https://gateway.example/auth/callback?"))
            let code = try #require(FormEncoding.decode(String(callback.split(separator: "?")[1])).first { $0.0 == "code" }?.1)
            #expect { try installer.complete(shop: Self.shop, code: code, state: "state-2") } throws: { ($0 as? InstallError)?.status == 403 }
            #expect(try installer.complete(shop: Self.shop, code: code, state: "state-1").scopes == AppInstallConfiguration.defaultScopes)
            #expect { try installer.complete(shop: Self.shop, code: code, state: "state-1") } throws: { ($0 as? InstallError)?.status == 403 }
            let database = try IntegrationEnvironment.database()
            let registry = ShopRegistry(connection: database)
            let sealedRefresh = try database.query("SELECT sealed_refresh_token FROM shops WHERE shop = $1", [.string(Self.shop)])
                .decode(0, as: String?.self)
            #expect(sealedRefresh.map { !$0.contains("shprt_") } == true, "the refresh token is sealed")
            let connection = try #require(try registry.connectedShops(openedWith: IntegrationEnvironment.tokens).first)

            // Eight processes find the token due at once (half its four seconds): one refreshes, seven take its token.
            let processes = try (0..<8).map { _ in try ShopifyAccess(environment: environment).shopTokens.source(for: connection) }
            let installed = try processes[0].token()
            #expect(try processes.allSatisfy { try $0.token() == installed })
            Thread.sleep(forTimeInterval: 2.2)
            let tokens = Mutex<[String]>([])
            // Each source is used by its own thread alone, as a client's is; all start at once.
            nonisolated(unsafe) let sources = processes
            let start = DispatchSemaphore(value: 0), done = DispatchGroup()
            for index in sources.indices {
                done.enter()
                Thread.detachNewThread {
                    start.wait()
                    let token = (try? sources[index].token()) ?? "none"
                    tokens.withLock { $0.append(token) }
                    done.leave()
                }
            }
            for _ in sources { start.signal() }
            done.wait()
            let refreshed = try #require(tokens.withLock { $0 }.first)
            #expect(refreshed != installed && tokens.withLock { Set($0) } == [refreshed])
            #expect(try client.stats(Self.shop).tokenRefreshes == 1 && PushStore(connection: database).status().first { $0.shop == Self.shop }!.tokenRefreshes == 1)

            // The token a process holds was replaced by another's refresh: Shopify's 401 takes the stored one, no refresh.
            Thread.sleep(forTimeInterval: 2.2)
            let next = try processes[0].token()
            #expect(next != refreshed)
            #expect(try processes[1].token(replacingRefused: refreshed) == next)
            #expect(try client.stats(Self.shop).tokenRefreshes == 2)

            // Shopify's token endpoint is down when the token is due: the one in hand is sent, and the pair kept.
            try client.setFaults(.init(tokenEndpointUnavailable: true))
            Thread.sleep(forTimeInterval: 2.2)
            #expect(try processes[2].token() == next)
            #expect(try registry.accessToken(shop: Self.shop, openedWith: IntegrationEnvironment.tokens)?.accessToken == next)
            #expect { try processes[3].token(replacingRefused: next) } throws: { ($0 as? ShopifyError)?.isRetriable == true }
            try client.setFaults(.init())
            let afterOutage = try processes[2].token()
            #expect(afterOutage != next)
            let stats = try client.stats(Self.shop)
            #expect(stats.tokenRefreshes == 3 && stats.refreshesOfUsedTokens == 0 && stats.expiredTokenRefusals == 0)

            // Uninstalled: the grant is revoked, the refresh refused; no token replaces the refused one.
            try client.uninstallApp(Self.shop)
            #expect(try processes[4].token(replacingRefused: afterOutage) == nil)
            #expect(try PushStore(connection: database).status().first { $0.shop == Self.shop }!.tokenRefreshes == 3)
            #expect(try registry.connectedShops(openedWith: IntegrationEnvironment.tokens).isEmpty,
                    "the refused grant is forgotten: nothing calls the shop until it is installed again")
        }

        @Test("a refresh that ends after the shop was connected again leaves the new connection's token")
        func refreshLosesToANewConnection() throws {
            let database = try IntegrationEnvironment.database()
            let registry = ShopRegistry(connection: database)
            try registry.upsert(shop: Self.shop, defaultSafetyBuffer: 0)
            let expiring = ShopAccessToken(accessToken: "shpat_old_grant", expiry: .init(
                issuedAt: Date(), expiresAt: Date().addingTimeInterval(60), refreshToken: "shprt_old_grant", refreshTokenExpiresAt: nil))
            try registry.connect(shop: Self.shop, apiVersion: .default, adminURL: nil, token: expiring, grantedScopes: "read_orders",
                                 sealedWith: IntegrationEnvironment.tokens)
            let after = try registry.replaceToken(shop: Self.shop, sealedWith: IntegrationEnvironment.tokens) { current in
                // While the refresh is at Shopify, the merchant installs the app again.
                try ShopRegistry(connection: IntegrationEnvironment.database())
                    .connect(shop: Self.shop, apiVersion: .default, adminURL: nil, accessToken: "shpat_new_install",
                             sealedWith: IntegrationEnvironment.tokens)
                return ShopAccessToken(accessToken: "shpat_old_grant_refreshed", expiry: current.expiry)
            }
            #expect(after?.accessToken == "shpat_new_install")
            #expect(try registry.accessToken(shop: Self.shop, openedWith: IntegrationEnvironment.tokens)?.accessToken == "shpat_new_install")
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
