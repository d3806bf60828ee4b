import ArgumentParser
import Logging
import StockSyncAMQP
import StockSyncDomain
import StockSyncRuntime
import StockSyncWorkers

struct ComplianceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compliance",
        abstract: "What stocksync holds about a customer (as a customers/data_request reports it).",
        subcommands: [Customer.self])

    struct Customer: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The customer's orders stocksync holds, and how many dead letters carry webhooks about them, as JSON.")
        @Option var shop: String
        @Option(help: "Shopify's customer id.") var customer: Int
        @Option(help: "The customer's email, to find the dead letters about them.") var email: String?
        @Option(parsing: .upToNextOption, help: "The customer's order ids.") var orders: [String] = []

        func run() throws {
            let environment = Connect.environment
            let compliance = Compliance(amqpURL: try environment.amqpURL("AMQP_URL", default: DevelopmentDefaults.amqpURL),
                                        workerName: WorkerName.unique("stocksync"), logger: .init(label: "stocksync"))
            let request = ComplianceRequest.CustomerRequest(shop: shop, customerID: customer, email: email, phone: nil,
                                                            orderIDs: orders, dataRequestID: nil)
            try printJSON(try compliance.report(request, database: Connect.database()))
        }
    }
}
