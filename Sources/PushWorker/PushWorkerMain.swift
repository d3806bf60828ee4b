import StockSyncRuntime
import StockSyncWorkers

/// `push-worker`: pushes available-to-sell from the outbox to each connected Shopify store.
@main
struct PushWorkerMain {
    static func main() async {
        await WorkerProcess.run("push-worker") { environment, logger throws(ConfigurationError) in
            let configuration = try PushWorkerConfiguration(environment: environment)
            try configuration.shopify.verifyKeys(databaseURL: configuration.databaseURL, logger: logger)
            return ([PushWorker(configuration: configuration, logger: logger)], configuration.metrics)
        }
    }
}
