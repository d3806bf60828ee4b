#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Settings of `stock-worker`, from its environment.
public struct StockWorkerConfiguration: Sendable {
    public var amqpURL: AMQPURL
    public var databaseURL: String
    /// Deliveries applied in one transaction at most.
    public var batchSize: Int
    /// How long a batch waits to fill once its first delivery arrived.
    public var batchLinger: Duration
    /// Unacknowledged deliveries RabbitMQ may send ahead.
    public var prefetch: Int
    /// Names this process in logs, dead-letter headers and RabbitMQ's connection list.
    public var workerName: String
    public var metricsPort: Int?

    /// Measured best on the benchmark (`scripts/bench-stock`): a batch's fixed costs (its
    /// statements, commits and lock round) spread over more events.
    public static let defaultBatchSize = 2_000

    public init(amqpURL: AMQPURL, databaseURL: String, batchSize: Int = defaultBatchSize,
                batchLinger: Duration = .milliseconds(20), prefetch: Int? = nil, workerName: String = StockWorkerConfiguration.defaultWorkerName("stock-worker"),
                metricsPort: Int? = nil) {
        self.amqpURL = amqpURL
        self.databaseURL = databaseURL
        self.batchSize = batchSize
        self.batchLinger = batchLinger
        self.prefetch = prefetch ?? min(65_535, batchSize * 2)
        self.workerName = workerName
        self.metricsPort = metricsPort
    }

    public init(environment: Environment) throws(ConfigurationError) {
        let batchSize = try environment.int("STOCK_BATCH_SIZE", default: Self.defaultBatchSize, in: 1...10_000)
        self.init(
            amqpURL: try environment.amqpURL("AMQP_URL", default: DevelopmentDefaults.amqpURL),
            databaseURL: try environment.databaseURL("DATABASE_URL", default: DevelopmentDefaults.databaseURL),
            batchSize: batchSize,
            batchLinger: try environment.milliseconds("STOCK_BATCH_LINGER_MS", default: 20, in: 0...10_000),
            prefetch: try environment.int("AMQP_PREFETCH", default: min(65_535, batchSize * 2), in: 1...65_535),
            workerName: environment.string("WORKER_NAME", default: Self.defaultWorkerName("stock-worker")),
            metricsPort: try environment.optionalPort("METRICS_PORT")
        )
    }

    /// `<program>@<host>#<pid>`: unique among every copy on every host.
    public static func defaultWorkerName(_ program: String) -> String {
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, host.count - 1)
        let hostName = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return "\(program)@\(hostName)#\(getpid())"
    }
}
