import StockSyncAMQP
import StockSyncRuntime
/// Settings of `order-worker`, from its environment.
package struct OrderWorkerConfiguration: Sendable {
    package var amqpURL: AMQPURL
    package var databaseURL: String
    /// Deliveries applied in one transaction at most.
    package var batchSize: Int
    /// How long a batch waits to fill once its first delivery arrived.
    package var batchLinger: Duration
    /// Unacknowledged deliveries RabbitMQ may send ahead.
    package var prefetch: Int
    /// How often the reservation outbox is looked at when nothing nudged it.
    package var outboxPoll: Duration
    package var workerName: String
    package var metricsPort: Int?

    package init(amqpURL: AMQPURL, databaseURL: String, batchSize: Int = 200, batchLinger: Duration = .milliseconds(20),
                prefetch: Int? = nil, outboxPoll: Duration = .milliseconds(500),
                workerName: String = WorkerName.unique("order-worker"), metricsPort: Int? = nil) {
        self.amqpURL = amqpURL
        self.databaseURL = databaseURL
        self.batchSize = batchSize
        self.batchLinger = batchLinger
        self.prefetch = prefetch ?? min(65_535, batchSize * 2)
        self.outboxPoll = outboxPoll
        self.workerName = workerName
        self.metricsPort = metricsPort
    }

    package init(environment: Environment) throws(ConfigurationError) {
        let batchSize = try environment.int("ORDER_BATCH_SIZE", default: 200, in: 1...5_000)
        self.init(
            amqpURL: try environment.amqpURL("AMQP_URL", default: DevelopmentDefaults.amqpURL),
            databaseURL: try environment.databaseURL("DATABASE_URL", default: DevelopmentDefaults.databaseURL),
            batchSize: batchSize,
            batchLinger: try environment.milliseconds("ORDER_BATCH_LINGER_MS", default: 20, in: 0...10_000),
            prefetch: try environment.int("AMQP_PREFETCH", default: min(65_535, batchSize * 2), in: 1...65_535),
            outboxPoll: try environment.milliseconds("OUTBOX_POLL_MS", default: 500, in: 10...60_000),
            workerName: environment.string("WORKER_NAME", default: WorkerName.unique("order-worker")),
            metricsPort: try environment.optionalPort("METRICS_PORT"))
    }
}
