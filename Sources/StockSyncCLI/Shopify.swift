import ArgumentParser
import Foundation
import Logging
import StockSyncDomain
import StockSyncRuntime
import StockSyncShopify
import StockSyncStore
import StockSyncWorkers

struct ConnectShop: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connect",
        abstract: "Give a shop its Admin API access, so that push-workers push to it.",
        discussion: "The token is read from an environment variable or a file, never from the command line.")
    @Argument(help: "The shop's myshopify.com domain.") var shop: String
    @Option(help: "Environment variable holding the Admin API access token.") var tokenEnv: String?
    @Option(help: "File holding the Admin API access token.") var tokenFile: String?
    @Option(help: "Admin API version, YYYY-MM.") var apiVersion = ShopifyAPIVersion.default.description
    @Option(help: "Where the Admin API is reached instead of https://<shop> (the simulator in development).")
    var adminURL: String?

    func validate() throws {
        guard ShopifyAPIVersion(apiVersion) != nil else { throw ValidationError("--api-version must look like 2026-07") }
        guard (tokenEnv == nil) != (tokenFile == nil) else {
            throw ValidationError("give exactly one of --token-env and --token-file")
        }
        if let adminURL,
           let problem = ShopConnection.adminURLProblem(adminURL, plainHTTPHosts: try Connect.shopifyAccess().plainHTTPHosts) {
            throw ValidationError("--admin-url \(problem)")
        }
    }

    func run() throws {
        let token: String
        if let tokenEnv {
            guard let value = ProcessInfo.processInfo.environment[tokenEnv], !value.isEmpty else {
                throw ValidationError("environment variable \(tokenEnv) is not set")
            }
            token = value
        } else {
            token = try String(contentsOfFile: tokenFile!, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        try ShopRegistry(connection: Connect.database())
            .connect(shop: shop, apiVersion: ShopifyAPIVersion(apiVersion)!, adminURL: adminURL, accessToken: token,
                     sealedWith: Connect.shopifyAccess().tokens)
        print("shop \(shop): connected (API \(apiVersion)\(adminURL.map { " via \($0)" } ?? ""))")
    }
}

struct Shopify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Shopify's side: catalogue sync, push status and problems.",
        subcommands: [Sync.self, Levels.self, Status.self, Problems.self, Webhooks.self, AppConfig.self])

    static func api(for shop: String, store: PushStore) throws -> InventoryAPI {
        let access = try Connect.shopifyAccess()
        guard let connection = try access.connectedShops(in: store.connection).first(where: { $0.shop == shop }) else {
            throw ValidationError("shop \(shop) is not connected: run `stocksync shop connect \(shop)` first")
        }
        return try access.api(for: connection, logger: Logger(label: "stocksync"))
    }

    struct Sync: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read a store's whole catalogue (one bulk operation) into the SKU cache and level expectations.")
        @Argument var shop: String
        @Flag(help: "Take the store's levels as they are, forgetting units held back as sold but not yet reserved.")
        var baseline = false
        @Flag var json = false

        func run() throws {
            let store = PushStore(connection: try Connect.database())
            let summary = try CatalogueSync(store: store, api: Shopify.api(for: shop, store: store), baseline: baseline).run()
            if json { return try printJSON(summary) }
            print("shop \(shop): \(summary.items) items, \(summary.levels) levels read")
            if !summary.missingSKUs.isEmpty {
                print("SKUs the store has no item for (\(summary.missingSKUs.count)): \(summary.missingSKUs.prefix(20).joined(separator: ", "))")
            }
            if !summary.unknownLocations.isEmpty {
                print("mapped locations the store does not have: \(summary.unknownLocations.joined(separator: ", "))")
            }
        }
    }

    struct Levels: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Read every level from the store (one bulk operation) beside the ERP's available-to-sell.")
        @Argument var shop: String

        func run() throws {
            let store = PushStore(connection: try Connect.database())
            var skus: [String: String] = [:]
            var levels: [(sku: String, location: String, available: Int)] = []
            try Shopify.api(for: shop, store: store).catalogue { line in
                switch line {
                case .item(let id, let sku): skus[id] = sku ?? "-"
                case .level(let item, let location, let available): levels.append((skus[item] ?? "-", location, available))
                }
            }
            let erp = try AvailabilityStore(connection: store.connection).availability(shop: shop)
            var table = TextTable(header: ["SKU", "LOCATION", "SHOPIFY_AVAILABLE", "ERP_ATS"])
            for level in levels.sorted(by: { ($0.sku, $0.location) < ($1.sku, $1.location) }) {
                table.rows.append([level.sku, level.location, "\(level.available)",
                                   erp[LevelKey(sku: level.sku, location: level.location)].map { "\($0)" } ?? "-"])
            }
            print(table.render())
        }
    }

    struct Webhooks: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A shop's webhook subscriptions made through the Admin API: what is subscribed, what is missing; --repair subscribes the missing.",
            discussion: """
                WEBHOOK_PUBLIC_URL is where they must go (the gateway's https://…/webhooks/shopify). Subscriptions declared \
                in shopify.app.toml (`stocksync shopify app-config`) cover every shop and are not listed here.
                """)
        @Argument var shop: String
        @Flag(help: "Subscribe the shop to every topic missing.") var repair = false

        func run() throws {
            guard let address = Connect.environment.nonEmpty("WEBHOOK_PUBLIC_URL") else {
                throw ValidationError("WEBHOOK_PUBLIC_URL must be set to where Shopify delivers webhooks (https://…/webhooks/shopify)")
            }
            let api = try Shopify.api(for: shop, store: PushStore(connection: Connect.database()))
            var subscribed = try api.webhookSubscriptions()
            let missing = ShopifyWebhookContract.subscribedTopics.filter { topic in
                !subscribed.contains { $0.topic == topic && $0.callbackURL == address }
            }
            if repair {
                for topic in missing { try api.subscribe(topic, callbackURL: address) }
                subscribed = try api.webhookSubscriptions()
            }
            let table = ShopifyWebhookContract.subscribedTopics.map { topic -> [String] in
                let here = subscribed.contains { $0.topic == topic && $0.callbackURL == address }
                let elsewhere = subscribed.filter { $0.topic == topic && $0.callbackURL != address }.map(\.callbackURL)
                let state = here ? (repair && missing.contains(topic) ? "subscribed now" : "subscribed") : "missing"
                return [topic, state, elsewhere.joined(separator: " ")]
            }
            var text = TextTable(header: ["TOPIC", "STATE", "ALSO_SENT_TO"])
            text.rows = table
            print(text.render())
            let left = table.filter { $0[1] == "missing" }.count
            if left > 0 {
                print("\(left) topics missing: run with --repair, or deploy `stocksync shopify app-config`")
                throw ExitCode(1)
            }
        }
    }

    struct AppConfig: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "app-config",
            abstract: "The app's shopify.app.toml (webhook subscriptions, compliance topics, OAuth redirect, scopes); --check compares a deployed one.",
            discussion: """
                From SHOPIFY_CLIENT_ID, SHOPIFY_APP_URL, WEBHOOK_PUBLIC_URL (default <SHOPIFY_APP_URL>/webhooks/shopify), \
                SHOPIFY_SCOPES and SHOPIFY_API_VERSION.
                """)
        @Option(help: "A shopify.app.toml to check instead of printing one.") var check: String?

        func run() throws {
            let environment = Connect.environment
            guard let clientID = environment.nonEmpty("SHOPIFY_CLIENT_ID"), let appURL = environment.nonEmpty("SHOPIFY_APP_URL") else {
                throw ValidationError("SHOPIFY_CLIENT_ID and SHOPIFY_APP_URL must be set")
            }
            guard let version = ShopifyAPIVersion(environment.string("SHOPIFY_API_VERSION", default: ShopifyAPIVersion.default.description))
            else { throw ValidationError("SHOPIFY_API_VERSION must look like 2026-07") }
            let file = AppConfigFile(clientID: clientID, appURL: appURL,
                                     webhookURL: environment.string("WEBHOOK_PUBLIC_URL", default: appURL + "/webhooks/shopify"),
                                     scopes: environment.string("SHOPIFY_SCOPES", default: AppInstallConfiguration.defaultScopes),
                                     apiVersion: version)
            guard let check else { return print(file.text, terminator: "") }
            let problems = file.problems(in: try String(contentsOfFile: check, encoding: .utf8))
            guard problems.isEmpty else {
                for problem in problems { print("\(check): \(problem)") }
                throw ExitCode(1)
            }
            print("\(check): has every subscription, compliance topic, redirect and scope stocksync needs")
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Per shop: levels due for push, how old, problems, and how its orders arrive.")
        @Flag var json = false

        func run() throws {
            let statuses = try PushStore(connection: Connect.database()).status()
            if json { return try printJSON(statuses) }
            var table = TextTable(header: ["SHOP", "CONNECTED", "TOKEN", "API", "DUE", "OLDEST_S", "IN_FLIGHT", "UNMAPPED_SKUS",
                                           "REFUSED", "LAST_WEBHOOK", "READ_BACK"])
            for status in statuses {
                var api = status.apiVersion
                if let served = status.servedAPIVersion, served != status.apiVersion { api += " (served \(served))" }
                if status.apiSupportEndingSoon {
                    let ended = status.apiSupportEnds < Timestamp.format(Date())
                    api += " (support \(ended ? "ended" : "ends") \(status.apiSupportEnds.prefix(10)): upgrade)"
                }
                let connected = status.connected ? "yes" : status.uninstalledAt.map { "uninstalled \($0)" } ?? "no"
                let readBack = status.ordersReadBack == 0 ? "0"
                    : "\(status.ordersReadBack), last \(status.lastReadBackAt ?? "-")\(status.webhooksMissing ? " (webhooks missing)" : "")"
                let token = !status.tokenExpires ? "fixed"
                    : "expiring, \(status.tokenRefreshes) refreshes"
                        + (status.reinstallSoon ? " (refresh token expires \(status.refreshTokenExpiresAt ?? "-"): install again)" : "")
                table.rows.append([status.shop, connected, status.connected ? token : "-", api, "\(status.dueLevels)",
                                   status.oldestDueSeconds.map { String(format: "%.1f", $0) } ?? "-",
                                   "\(status.pendingPushes)", "\(status.unmappedSKUs)", "\(status.refusedLevels)",
                                   status.lastWebhookAt ?? "-", readBack])
            }
            print(table.render())
        }
    }

    struct Problems: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "SKUs the store lacks and levels Shopify refused.")
        @Argument var shop: String
        @Flag var json = false

        func run() throws {
            let problems = try PushStore(connection: Connect.database()).problems(shop: shop)
            if json { return try printJSON(problems) }
            var table = TextTable(header: ["SKU", "LOCATION", "PROBLEM"])
            table.rows = problems.map { [$0.sku, $0.location ?? "-", $0.problem] }
            print(problems.isEmpty ? "no problems" : table.render())
        }
    }
}
