/// Settings of `reconcile-worker`, from its environment.
public struct ReconcileWorkerConfiguration: Sendable {
    public var amqpURL: AMQPURL
    public var databaseURL: String
    /// How long levels mid-push are waited for before a run leaves them unjudged.
    public var settleTimeout: Duration
    /// How often due schedules are looked for.
    public var schedulePoll: Duration
    /// How long units held back as sold may wait for their order before they count as drift.
    public var holdBackGrace: Duration
    public var workerName: String
    public var metricsPort: Int?

    public init(amqpURL: AMQPURL, databaseURL: String, settleTimeout: Duration = .seconds(30),
                schedulePoll: Duration = .seconds(60), holdBackGrace: Duration = .seconds(900),
                workerName: String = StockWorkerConfiguration.defaultWorkerName("reconcile-worker"), metricsPort: Int? = nil) {
        self.amqpURL = amqpURL
        self.databaseURL = databaseURL
        self.settleTimeout = settleTimeout
        self.schedulePoll = schedulePoll
        self.holdBackGrace = holdBackGrace
        self.workerName = workerName
        self.metricsPort = metricsPort
    }

    public init(environment: Environment) throws(ConfigurationError) {
        self.init(
            amqpURL: try environment.amqpURL("AMQP_URL", default: DevelopmentDefaults.amqpURL),
            databaseURL: try environment.databaseURL("DATABASE_URL", default: DevelopmentDefaults.databaseURL),
            settleTimeout: .seconds(try environment.int("RECONCILE_SETTLE_SECONDS", default: 30, in: 0...3_600)),
            schedulePoll: .seconds(try environment.int("RECONCILE_SCHEDULE_POLL_SECONDS", default: 60, in: 1...86_400)),
            holdBackGrace: .seconds(try environment.int("RECONCILE_HOLDBACK_GRACE_SECONDS", default: 900, in: 0...604_800)),
            workerName: environment.string("WORKER_NAME", default: StockWorkerConfiguration.defaultWorkerName("reconcile-worker")),
            metricsPort: try environment.optionalPort("METRICS_PORT"))
    }
}
