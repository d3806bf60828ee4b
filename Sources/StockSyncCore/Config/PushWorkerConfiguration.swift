/// Settings of `push-worker`, from its environment.
public struct PushWorkerConfiguration: Sendable {
    public var databaseURL: String
    /// How long a part-filled batch waits for more levels before it is sent.
    public var linger: Duration
    /// How often an idle shop's outbox is looked at.
    public var pollInterval: Duration
    /// How often unowned shops are looked for (one is taken per look, so that several
    /// workers share the shops).
    public var claimInterval: Duration
    /// Shops one process pushes at most.
    public var maximumShops: Int
    public var workerName: String
    public var metricsPort: Int?

    public init(databaseURL: String, linger: Duration = .milliseconds(200), pollInterval: Duration = .milliseconds(50),
                claimInterval: Duration = .seconds(1), maximumShops: Int = 32,
                workerName: String = StockWorkerConfiguration.defaultWorkerName("push-worker"), metricsPort: Int? = nil) {
        self.databaseURL = databaseURL
        self.linger = linger
        self.pollInterval = pollInterval
        self.claimInterval = claimInterval
        self.maximumShops = maximumShops
        self.workerName = workerName
        self.metricsPort = metricsPort
    }

    public init(environment: Environment) throws(ConfigurationError) {
        self.init(
            databaseURL: try environment.databaseURL("DATABASE_URL", default: DevelopmentDefaults.databaseURL),
            linger: try environment.milliseconds("PUSH_LINGER_MS", default: 200, in: 0...5_000),
            pollInterval: try environment.milliseconds("PUSH_POLL_MS", default: 50, in: 1...10_000),
            claimInterval: try environment.milliseconds("PUSH_CLAIM_MS", default: 1_000, in: 10...60_000),
            maximumShops: try environment.int("PUSH_MAX_SHOPS", default: 32, in: 1...1_000),
            workerName: environment.string("WORKER_NAME", default: StockWorkerConfiguration.defaultWorkerName("push-worker")),
            metricsPort: try environment.optionalPort("METRICS_PORT"))
    }
}
