import Hummingbird
import Logging
import ShopifyWebhooks
import StockSyncAMQP
import StockSyncRuntime
import StockSyncShopify
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
            let routes = WebhookRoutes(
                intake: WebhookIntake(secrets: configuration.secrets, maximumBodyBytes: configuration.maximumBodyBytes),
                publisher: publisher, shops: shops,
                budget: InFlightBudget(maximumDeliveries: configuration.maximumInFlightDeliveries,
                                       maximumBytes: configuration.maximumInFlightBytes),
                deadline: configuration.deliveryDeadline,
                install: configuration.install.map { install in
                    InstallRoutes(installer: AppInstaller(configuration: install, databaseURL: configuration.databaseURL),
                                  secrets: configuration.secrets,
                                  shops: shops, logger: logger)
                },
                logger: logger)
            var app = Application(
                router: routes.router(),
                server: .http1(configuration: .init(
                    additionalChannelHandlers: [
                        HeadRefusal(intake: routes.intake, path: WebhookRoutes.path, refused: { routes.recordRefusal($0, $1) }),
                        BodyDeadline(limit: configuration.deliveryDeadline),
                    ],
                    // Connections with no request for this long are closed: idle ones cost a socket each.
                    idleTimeout: .seconds(30))),
                configuration: .init(address: .hostname(configuration.host, port: configuration.port),
                                     serverName: "webhook-gateway"),
                onServerRunning: { listener in
                    do {
                        try await listener.eventLoop.submit {
                            try listener.pipeline.syncOperations.addHandler(
                                AcceptPacing(perSecond: configuration.maximumNewConnectionsPerSecond), position: .first)
                        }.get()
                    } catch {
                        logger.error("accepts not paced", metadata: ["error": "\(error)"])
                    }
                },
                logger: logger)
            app.beforeServerStarts(perform: shops.loadFirst)
            return ([publisher, shops, app], configuration.metrics)
        }
    }
}
