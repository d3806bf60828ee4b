import StockSyncRuntime

/// Settings of `order-worker`, from its environment.
package struct OrderWorkerConfiguration: Sendable {
    package var consumer: ConsumerConfiguration
    /// How often the reservation outbox is looked at when nothing nudged it.
    package var outboxPoll: Duration
    package var metrics: MetricsEndpoint?
    /// Shops' tokens' key, and the hosts that may be reached over plain HTTP.
    package var shopify: ShopifyAccess
    /// How often lines recorded with no Shopify location are asked about again.
    package var placementRetry: Duration
    /// How often each shop's orders are read back (`OrderBackfill`), and how old a change
    /// must be before it is read back rather than waited for as a webhook.
    package var backfillInterval: Duration
    package var backfillSettle: Duration
    /// How long a level Shopify says changed unexplained waits for the orders in flight that
    /// may explain it before it is checked (`DriftWatchStore`).
    package var driftSettle: Duration

    package init(environment: Environment) throws(ConfigurationError) {
        consumer = try ConsumerConfiguration(environment: environment, program: "order-worker", batchPrefix: "ORDER",
                                             defaultBatchSize: 200, maximumBatchSize: 5_000)
        outboxPoll = try environment.milliseconds("OUTBOX_POLL_MS", default: 500, in: 10...60_000)
        metrics = try MetricsEndpoint.configured(in: environment)
        shopify = try ShopifyAccess(environment: environment)
        placementRetry = .seconds(try environment.int("ORDER_PLACEMENT_RETRY_SECONDS", default: 60, in: 1...86_400))
        backfillInterval = .seconds(try environment.int("ORDER_BACKFILL_SECONDS", default: 120, in: 1...86_400))
        backfillSettle = .seconds(try environment.int("ORDER_BACKFILL_SETTLE_SECONDS", default: 60, in: 0...86_400))
        driftSettle = .seconds(try environment.int("DRIFT_SETTLE_SECONDS", default: 5, in: 0...3_600))
    }
}
