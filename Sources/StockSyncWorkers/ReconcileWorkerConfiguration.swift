import StockSyncAMQP
import StockSyncRuntime
/// Settings of `reconcile-worker`, from its environment.
package struct ReconcileWorkerConfiguration: Sendable {
    package var amqpURL: AMQPURL
    package var databaseURL: String
    /// How long levels mid-push are waited for before a run leaves them unjudged.
    package var settleTimeout: Duration
    /// How often queued runs are looked for, besides when this process queued one.
    package var runPoll: Duration
    /// How often due schedules are looked for.
    package var schedulePoll: Duration
    /// How often levels Shopify said changed unexplained are looked for, to be checked.
    package var driftPoll: Duration
    /// How long units held back as sold may wait for their order before they count as drift.
    package var holdBackGrace: Duration
    package var workerName: String
    package var metrics: MetricsEndpoint?
    /// Shops' tokens' key, and the hosts that may be reached over plain HTTP.
    package var shopify: ShopifyAccess
    /// What the retention sweep (run by reconcile-workers) keeps.
    package var retention: RetentionPolicy

    package init(environment: Environment) throws(ConfigurationError) {
        amqpURL = try environment.amqpURL("AMQP_URL", default: DevelopmentDefaults.amqpURL)
        databaseURL = try environment.databaseURL("DATABASE_URL", default: DevelopmentDefaults.databaseURL)
        settleTimeout = .seconds(try environment.int("RECONCILE_SETTLE_SECONDS", default: 30, in: 0...3_600))
        runPoll = try environment.milliseconds("RECONCILE_POLL_MS", default: 1_000, in: 10...60_000)
        schedulePoll = .seconds(try environment.int("RECONCILE_SCHEDULE_POLL_SECONDS", default: 60, in: 1...86_400))
        driftPoll = try environment.milliseconds("RECONCILE_DRIFT_POLL_MS", default: 1_000, in: 10...60_000)
        holdBackGrace = .seconds(try environment.int("RECONCILE_HOLDBACK_GRACE_SECONDS", default: 900, in: 0...604_800))
        workerName = environment.string("WORKER_NAME", default: WorkerName.unique("reconcile-worker"))
        metrics = try MetricsEndpoint.configured(in: environment)
        shopify = try ShopifyAccess(environment: environment)
        retention = try RetentionPolicy(environment: environment)
    }
}
