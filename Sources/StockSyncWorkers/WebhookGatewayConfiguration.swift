import StockSyncAMQP
import StockSyncRuntime
import StockSyncShopify

/// Settings of `webhook-gateway`, from its environment.
package struct WebhookGatewayConfiguration: Sendable {
    package var amqpURL: AMQPURL
    package var databaseURL: String
    package var host: String
    package var port: Int
    /// The app's secret, then the previous one while a rotation is under way. Never logged.
    package var secrets: [String]
    package var maximumBodyBytes: Int
    /// Every delivery is answered within this: reading its body and RabbitMQ's confirm
    /// together. Under Shopify's total request timeout of five seconds, so that a slow broker
    /// is answered 503 and retried rather than counted as a timeout
    /// (https://shopify.dev/docs/apps/build/webhooks/subscribe/https).
    package var deliveryDeadline: Duration
    /// Deliveries held at once, and the body bytes they reserve; past either, 503 at once.
    package var maximumInFlightDeliveries: Int
    package var maximumInFlightBytes: Int
    /// New connections accepted a second (a second's worth at once); past it they wait in the
    /// listen backlog, so a flood of new connections cannot take the CPU kept-alive ones need.
    package var maximumNewConnectionsPerSecond: Int
    /// How often the shops served are read again from the database.
    package var shopRefresh: Duration
    package var metrics: MetricsEndpoint?
    /// The OAuth install flow, when the app is a public one (`SHOPIFY_CLIENT_ID` set).
    package var install: AppInstallConfiguration?

    package init(environment: Environment) throws(ConfigurationError) {
        amqpURL = try environment.amqpURL("AMQP_URL", default: DevelopmentDefaults.amqpURL)
        databaseURL = try environment.databaseURL("DATABASE_URL", default: DevelopmentDefaults.databaseURL)
        host = environment.string("GATEWAY_HOST", default: "127.0.0.1")
        port = try environment.int("GATEWAY_PORT", default: 8080, in: 1...65_535)
        let secret = environment.string("WEBHOOK_SECRET", default: "")
        guard !secret.isEmpty else {
            throw ConfigurationError(setting: "WEBHOOK_SECRET", problem: "must be set to the app's API secret (webhooks are signed with it)")
        }
        let previous = environment.string("WEBHOOK_SECRET_PREVIOUS", default: "")
        secrets = previous.isEmpty ? [secret] : [secret, previous]
        maximumBodyBytes = try environment.int("WEBHOOK_MAX_BODY_BYTES", default: 1 << 20, in: 1_024...(64 << 20))
        deliveryDeadline = try environment.milliseconds("GATEWAY_DEADLINE_MS", default: 4_000, in: 100...4_900)
        maximumInFlightDeliveries = try environment.int("GATEWAY_MAX_IN_FLIGHT", default: 1_024, in: 1...100_000)
        maximumInFlightBytes = try environment.int("GATEWAY_MAX_IN_FLIGHT_BYTES", default: 64 << 20,
                                                   in: maximumBodyBytes...(4 << 30))
        maximumNewConnectionsPerSecond = try environment.int("GATEWAY_MAX_NEW_CONNECTIONS_PER_SECOND", default: 500,
                                                             in: 1...1_000_000)
        shopRefresh = .seconds(try environment.int("GATEWAY_SHOP_REFRESH_SECONDS", default: 30, in: 1...3_600))
        metrics = try MetricsEndpoint.configured(in: environment)
        install = try AppInstallConfiguration.configured(in: environment)
        if let install, install.credentials.clientSecret != secret {
            throw ConfigurationError(setting: "SHOPIFY_CLIENT_SECRET",
                                     problem: "must equal WEBHOOK_SECRET: Shopify signs webhooks with the app's client secret")
        }
    }
}
