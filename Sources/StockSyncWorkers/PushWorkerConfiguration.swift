import StockSyncDomain
import StockSyncRuntime
/// Settings of `push-worker`, from its environment.
package struct PushWorkerConfiguration: Sendable {
    package var databaseURL: String
    /// How long a part-filled batch waits for more levels before it is sent.
    package var linger: Duration
    /// How often an idle shop's outbox is looked at.
    package var pollInterval: Duration
    /// How often unowned shops are looked for (one is taken per look, so that several
    /// workers share the shops).
    package var claimInterval: Duration
    /// How long a shop stays with a worker whose database sessions have gone silent (its
    /// process frozen, or cut off), before the server ends them and another worker takes
    /// the shop. Longer than a Shopify call can take, or a slow call hands the shop on
    /// (harmless: the push goes again with its idempotency key).
    package var shopLease: Duration
    /// Shops one process pushes at most.
    package var maximumShops: Int
    package var workerName: String
    package var metrics: MetricsEndpoint?
    /// Shops' tokens' key, and the hosts that may be reached over plain HTTP.
    package var shopify: ShopifyAccess
    /// What is done with a push Shopify keeps failing.
    package var failurePolicy: PushFailurePolicy

    package init(environment: Environment) throws(ConfigurationError) {
        databaseURL = try environment.databaseURL("DATABASE_URL", default: DevelopmentDefaults.databaseURL)
        linger = try environment.milliseconds("PUSH_LINGER_MS", default: 200, in: 0...5_000)
        pollInterval = try environment.milliseconds("PUSH_POLL_MS", default: 50, in: 1...10_000)
        claimInterval = try environment.milliseconds("PUSH_CLAIM_MS", default: 1_000, in: 10...60_000)
        shopLease = .seconds(try environment.int("PUSH_SHOP_LEASE_SECONDS", default: 120, in: 2...3_600))
        // Both sessions must speak within the lease while their worker is healthy.
        guard shopLease >= max(claimInterval, pollInterval + linger) * 2 else {
            throw ConfigurationError(setting: "PUSH_SHOP_LEASE_SECONDS",
                                     problem: "must be at least twice PUSH_CLAIM_MS and twice PUSH_POLL_MS + PUSH_LINGER_MS")
        }
        maximumShops = try environment.int("PUSH_MAX_SHOPS", default: 32, in: 1...1_000)
        workerName = environment.string("WORKER_NAME", default: WorkerName.unique("push-worker"))
        metrics = try MetricsEndpoint.configured(in: environment)
        shopify = try ShopifyAccess(environment: environment)
        failurePolicy = PushFailurePolicy(
            maximumFailures: try environment.int("PUSH_INTENT_MAX_FAILURES", default: 3, in: 1...20),
            retryPause: try environment.milliseconds("PUSH_INTENT_RETRY_MS", default: 2_000, in: 0...60_000))
    }
}
