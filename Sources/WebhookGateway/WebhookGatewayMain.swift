import Hummingbird
import Logging
import ShopifyWebhooks
import StockSyncAMQP
import StockSyncRuntime
import StockSyncWorkers

/// `webhook-gateway`: verifies Shopify's order webhooks and hands them to `order-placed`,
/// answering 200 only once RabbitMQ confirmed them.
@main
struct WebhookGatewayMain {
    static func main() async {
        await WorkerProcess.run("webhook-gateway") { environment, logger throws(ConfigurationError) in
            let configuration = try WebhookGatewayConfiguration(environment: environment)
            let publisher = ConfirmedPublisher(amqpURL: configuration.amqpURL, name: "webhook-gateway", logger: logger)
            let shops = KnownShops(databaseURL: configuration.databaseURL, refresh: configuration.shopRefresh, logger: logger)
            let intake = WebhookIntake(secrets: configuration.secrets, maximumBodyBytes: configuration.maximumBodyBytes)
            let app = Application(
                router: WebhookRoutes.router(intake: intake, publisher: publisher, shops: shops, logger: logger),
                configuration: .init(address: .hostname(configuration.host, port: configuration.port),
                                     serverName: "webhook-gateway"),
                logger: logger)
            return ([publisher, shops, app], configuration.metrics)
        }
    }
}
