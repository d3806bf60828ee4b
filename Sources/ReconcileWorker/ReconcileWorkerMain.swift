import StockSyncRuntime
import StockSyncWorkers

/// `reconcile-worker`: compares every Shopify level with the ERP, reports and heals drift;
/// prunes what retention no longer keeps.
@main
struct ReconcileWorkerMain {
    static func main() async {
        await WorkerProcess.run("reconcile-worker") { environment, logger throws(ConfigurationError) in
            let configuration = try ReconcileWorkerConfiguration(environment: environment)
            try configuration.shopify.verifyKeys(databaseURL: configuration.databaseURL, logger: logger)
            let sweeper = RetentionSweeper(policy: configuration.retention, databaseURL: configuration.databaseURL, logger: logger)
            let runner = ReconcileRunner(configuration: configuration, logger: logger)
            return ([ReconcileWorker(configuration: configuration, runner: runner, logger: logger), runner, sweeper],
                    configuration.metrics)
        }
    }
}
