import StockSyncRuntime
import StockSyncWorkers

/// `order-worker`: consumes `order-placed` into ERP reservations, relays reservation events
/// to the ERP, places lines Shopify would not place when their order arrived, and reads
/// back the orders whose webhooks never came.
@main
struct OrderWorkerMain {
    static func main() async {
        await WorkerProcess.run("order-worker") { environment, logger throws(ConfigurationError) in
            let configuration = try OrderWorkerConfiguration(environment: environment)
            try configuration.shopify.verifyKeys(databaseURL: configuration.consumer.databaseURL, logger: logger)
            let relay = OutboxRelay(amqpURL: configuration.consumer.amqpURL, databaseURL: configuration.consumer.databaseURL,
                                    name: configuration.consumer.workerName, poll: configuration.outboxPoll, logger: logger)
            return ([OrderWorker(configuration: configuration, relay: relay, logger: logger), relay,
                     PlacementSweeper(configuration: configuration, relay: relay, logger: logger),
                     OrderBackfill(configuration: configuration, logger: logger)],
                    configuration.metrics)
        }
    }
}
