import StockSyncRuntime

/// Settings of `stock-worker`, from its environment.
package struct StockWorkerConfiguration: Sendable {
    package var consumer: ConsumerConfiguration
    package var metrics: MetricsEndpoint?

    /// Measured best on the benchmark (`scripts/bench-stock`): a batch's fixed costs (its
    /// statements, commits and lock round) spread over more events.
    package static let defaultBatchSize = 2_000

    package init(environment: Environment) throws(ConfigurationError) {
        consumer = try ConsumerConfiguration(environment: environment, program: "stock-worker", batchPrefix: "STOCK",
                                             defaultBatchSize: Self.defaultBatchSize, maximumBatchSize: 10_000)
        metrics = try MetricsEndpoint.configured(in: environment)
    }
}
