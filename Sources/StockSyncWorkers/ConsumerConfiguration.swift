import StockSyncAMQP
import StockSyncRuntime

/// How a batch worker (`stock-worker`, `order-worker`) reaches its servers and takes its
/// deliveries; the two differ only in the prefix of their batch settings and their defaults.
package struct ConsumerConfiguration: Sendable {
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

    /// `AMQP_URL`, `DATABASE_URL`, `<prefix>_BATCH_SIZE`, `<prefix>_BATCH_LINGER_MS`,
    /// `AMQP_PREFETCH` (two batches unless set) and `WORKER_NAME`.
    package init(environment: Environment, program: String, batchPrefix prefix: String, defaultBatchSize: Int,
                 maximumBatchSize: Int) throws(ConfigurationError) {
        amqpURL = try environment.amqpURL("AMQP_URL", default: DevelopmentDefaults.amqpURL)
        databaseURL = try environment.databaseURL("DATABASE_URL", default: DevelopmentDefaults.databaseURL)
        batchSize = try environment.int("\(prefix)_BATCH_SIZE", default: defaultBatchSize, in: 1...maximumBatchSize)
        batchLinger = try environment.milliseconds("\(prefix)_BATCH_LINGER_MS", default: 20, in: 0...10_000)
        prefetch = try environment.int("AMQP_PREFETCH", default: min(65_535, batchSize * 2), in: 1...65_535)
        workerName = environment.string("WORKER_NAME", default: WorkerName.unique(program))
    }
}
