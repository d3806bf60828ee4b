import StockSyncRuntime
import StockSyncWorkers
import Testing

@Suite("Worker configuration from the environment")
struct WorkerConfigurationTests {
    @Test func configurationErrorsNameTheSettingAndHideSecrets() {
        func problem(_ values: [String: String]) -> String? {
            do {
                _ = try StockWorkerConfiguration(environment: Environment(values))
                return nil
            } catch {
                return error.description
            }
        }
        #expect(problem([:]) == nil)
        #expect(problem(["STOCK_BATCH_SIZE": "0"])
            == "configuration error: STOCK_BATCH_SIZE must be a whole number from 1 to 10000, not `0`")
        #expect(problem(["STOCK_BATCH_LINGER_MS": "soon"])?.hasPrefix("configuration error: STOCK_BATCH_LINGER_MS") == true)
        #expect(problem(["METRICS_PORT": "70000"])?.hasPrefix("configuration error: METRICS_PORT") == true)
        let amqp = problem(["AMQP_URL": "amqps://svc:hunter2@host/"])
        #expect(amqp == "configuration error: AMQP_URL must start with amqp:// (amqps is not supported)")
        let database = problem(["DATABASE_URL": "mysql://svc:hunter2@host/db"])
        #expect(database == "configuration error: DATABASE_URL must be a postgresql:// URL")
    }

    @Test("metrics listen on loopback unless METRICS_HOST says otherwise; a bad host is named")
    func metricsListenOnLoopbackByDefault() throws {
        #expect(try StockWorkerConfiguration(environment: Environment([:])).metrics == nil)
        #expect(try StockWorkerConfiguration(environment: Environment(["METRICS_PORT": "9100"])).metrics
            == MetricsEndpoint(host: "127.0.0.1", port: 9100))
        #expect(try PushWorkerConfiguration(environment: Environment(
            ["METRICS_PORT": "9200", "METRICS_HOST": "0.0.0.0", "STOCKSYNC_TOKEN_KEY": Self.tokenKey]))
            .metrics == MetricsEndpoint(host: "0.0.0.0", port: 9200))
        #expect(throws: ConfigurationError.self) {
            try ReconcileWorkerConfiguration(environment: Environment(
                ["METRICS_PORT": "9300", "METRICS_HOST": "every-interface", "STOCKSYNC_TOKEN_KEY": Self.tokenKey]))
        }
    }

    static let tokenKey = "q83vEjRWeJq8E0VmeJq83vEjRWeJq83vEjRWeJq83vE="

    @Test("every process that handles shops' tokens needs STOCKSYNC_TOKEN_KEY: missing or malformed, it is named, never echoed")
    func tokenKeyRequired() throws {
        func problem(_ values: [String: String]) -> String? {
            do {
                _ = try PushWorkerConfiguration(environment: Environment(values))
                _ = try OrderWorkerConfiguration(environment: Environment(values))
                _ = try ReconcileWorkerConfiguration(environment: Environment(values))
                return nil
            } catch {
                return error.description
            }
        }
        #expect(problem(["STOCKSYNC_TOKEN_KEY": Self.tokenKey]) == nil)
        #expect(problem([:])?.hasPrefix("configuration error: STOCKSYNC_TOKEN_KEY must be set") == true)
        let short = problem(["STOCKSYNC_TOKEN_KEY": "c2hvcnQta2V5LXNlY3JldA=="])
        #expect(short == "configuration error: STOCKSYNC_TOKEN_KEY must be 32 bytes in base64, not 16 (openssl rand -base64 32)")
        let previous = problem(["STOCKSYNC_TOKEN_KEY": Self.tokenKey, "STOCKSYNC_TOKEN_KEY_PREVIOUS": "hunter2!"])
        #expect(previous?.hasPrefix("configuration error: STOCKSYNC_TOKEN_KEY_PREVIOUS must be 32 random bytes in base64") == true)
        #expect(previous?.contains("hunter2") == false)
        // The gateway never sees a token: it does not need the key.
        #expect(throws: Never.self) { try WebhookGatewayConfiguration(environment: Environment(["WEBHOOK_SECRET": "s"])) }
    }

    @Test("a shop lease shorter than the push-worker's own silences is refused, naming the setting")
    func shopLeaseOutlastsTheWorkersSilences() throws {
        func lease(_ values: [String: String]) throws -> Duration {
            try PushWorkerConfiguration(environment: Environment(values.merging(["STOCKSYNC_TOKEN_KEY": Self.tokenKey]) { $1 }))
                .shopLease
        }
        #expect(try lease([:]) == .seconds(120))
        #expect(try lease(["PUSH_SHOP_LEASE_SECONDS": "2", "PUSH_CLAIM_MS": "1000"]) == .seconds(2))
        #expect {
            _ = try lease(["PUSH_SHOP_LEASE_SECONDS": "2", "PUSH_CLAIM_MS": "1500"])
        } throws: { error in
            (error as? ConfigurationError)?.setting == "PUSH_SHOP_LEASE_SECONDS"
        }
    }

    @Test func prefetchDefaultsToTwoBatches() throws {
        let configuration = try StockWorkerConfiguration(environment: Environment(["STOCK_BATCH_SIZE": "300"]))
        #expect(configuration.consumer.prefetch == 600)
        #expect(configuration.consumer.batchLinger == .milliseconds(20))
    }
}

@Suite("The gateway's install settings")
struct InstallConfigurationTests {
    static let base = ["WEBHOOK_SECRET": "app-secret", "STOCKSYNC_TOKEN_KEY": WorkerConfigurationTests.tokenKey]

    private func problem(_ values: [String: String]) -> String? {
        do {
            _ = try WebhookGatewayConfiguration(environment: Environment(Self.base.merging(values) { $1 }))
            return nil
        } catch {
            return error.description
        }
    }

    @Test("install is off without SHOPIFY_CLIENT_ID; with it, SHOPIFY_APP_URL is required, and the client secret must be the webhook secret")
    func settingsNamed() {
        #expect(problem([:]) == nil)
        #expect(problem(["SHOPIFY_CLIENT_ID": "app"])?.contains("SHOPIFY_APP_URL must be set") == true)
        #expect(problem(["SHOPIFY_CLIENT_ID": "app", "SHOPIFY_APP_URL": "http://gateway.example"])?.contains("SHOPIFY_APP_URL") == true,
                "plain http beyond loopback")
        #expect(problem(["SHOPIFY_CLIENT_ID": "app", "SHOPIFY_APP_URL": "https://gateway.example"]) == nil)
        let other = problem(["SHOPIFY_CLIENT_ID": "app", "SHOPIFY_APP_URL": "https://gateway.example", "SHOPIFY_CLIENT_SECRET": "other"])
        #expect(other?.contains("SHOPIFY_CLIENT_SECRET must equal WEBHOOK_SECRET") == true && other?.contains("other") == false)
        #expect(problem(["SHOPIFY_CLIENT_ID": "app", "SHOPIFY_APP_URL": "https://gateway.example",
                         "SHOPIFY_ADMIN_URL_TEMPLATE": "https://admin.example"])?.contains("SHOPIFY_ADMIN_URL_TEMPLATE") == true)
    }
}
