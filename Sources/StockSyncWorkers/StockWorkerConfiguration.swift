import StockSyncAMQP
import StockSyncRuntime
/// Settings of `stock-worker`, from its environment.
package struct StockWorkerConfiguration: Sendable {
    package var amqpURL: AMQPURL
    package var databaseURL: String
    /// Deliveries applied in one transaction at most.
    package var batchSize: Int
    /// How long a batch waits to fill once its first delivery arrived.
    package var batchLinger: Duration
    /// Unacknowledged deliveries RabbitMQ may send ahead.
    package var prefetch: Int
    /// Names this process in logs, dead-letter headers and RabbitMQ's connection list.
    package var workerName: String
    package var metricsPort: Int?

    /// Measured best on the benchmark (`scripts/bench-stock`): a batch's fixed costs (its
    /// statements, commits and lock round) spread over more events.
    package static let defaultBatchSize = 2_000

    package init(amqpURL: AMQPURL, databaseURL: String, batchSize: Int = defaultBatchSize,
                batchLinger: Duration = .milliseconds(20), prefetch: Int? = nil, workerName: String = WorkerName.unique("stock-worker"),
                metricsPort: Int? = nil) {
        self.amqpURL = amqpURL
        self.databaseURL = databaseURL
        self.batchSize = batchSize
        self.batchLinger = batchLinger
        self.prefetch = prefetch ?? min(65_535, batchSize * 2)
        self.workerName = workerName
        self.metricsPort = metricsPort
    }

    package init(environment: Environment) throws(ConfigurationError) {
        let batchSize = try environment.int("STOCK_BATCH_SIZE", default: Self.defaultBatchSize, in: 1...10_000)
        self.init(
            amqpURL: try environment.amqpURL("AMQP_URL", default: DevelopmentDefaults.amqpURL),
            databaseURL: try environment.databaseURL("DATABASE_URL", default: DevelopmentDefaults.databaseURL),
            batchSize: batchSize,
            batchLinger: try environment.milliseconds("STOCK_BATCH_LINGER_MS", default: 20, in: 0...10_000),
            prefetch: try environment.int("AMQP_PREFETCH", default: min(65_535, batchSize * 2), in: 1...65_535),
            workerName: environment.string("WORKER_NAME", default: WorkerName.unique("stock-worker")),
            metricsPort: try environment.optionalPort("METRICS_PORT")
        )
    }
}
