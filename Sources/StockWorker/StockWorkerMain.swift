import StockSyncRuntime
import StockSyncWorkers

/// `stock-worker`: consumes `stock-changed` into ERP levels and available-to-sell.
@main
struct StockWorkerMain {
    static func main() async {
        await WorkerProcess.run("stock-worker") { environment, logger throws(ConfigurationError) in
            let configuration = try StockWorkerConfiguration(environment: environment)
            return ([StockWorker(configuration: configuration, logger: logger)], configuration.metrics)
        }
    }
}
