import Foundation
import Hummingbird
import Logging
import ShopifySimulator
import StockSyncRuntime

/// `shopify-simulator`: Shopify's Admin GraphQL API for development and tests, on loopback.
@main
struct SimulatorServerMain {
    static func main() async {
        let environment = StockSyncRuntime.Environment(ProcessInfo.processInfo.environment)
        let port: Int
        let host: String
        var faults = ShopifySimulator.Faults()
        do {
            try LoggingSetup.bootstrap(environment: environment)
            port = try environment.int("SIMULATOR_PORT", default: 9300, in: 1...65_535)
            host = environment.string("SIMULATOR_HOST", default: "127.0.0.1")
            faults.serverErrorRate = try environment.rate("SIMULATOR_5XX_RATE")
            faults.lostResponseRate = try environment.rate("SIMULATOR_LOST_RESPONSE_RATE")
            faults.latencyMilliseconds = try environment.int("SIMULATOR_LATENCY_MS", default: 0, in: 0...60_000)
        } catch {
            FileHandle.standardError.write(Data("shopify-simulator: \(error)\n".utf8))
            exit(2)
        }
        let simulator = ShopifySimulator()
        await simulator.setFaults(faults)
        let logger = Logger(label: "stocksync.shopify-simulator")
        let app = Application(
            router: SimulatorRoutes.router(simulator),
            configuration: .init(address: .hostname(host, port: port), serverName: "shopify-simulator"),
            logger: logger)
        do {
            try await app.runService()
        } catch {
            logger.critical("shopify-simulator failed", metadata: ["error": "\(error)"])
            exit(1)
        }
    }
}

extension StockSyncRuntime.Environment {
    /// A share from 0 to 1.
    func rate(_ name: String) throws(ConfigurationError) -> Double {
        guard let text = values[name], !text.isEmpty else { return 0 }
        guard let value = Double(text), (0...1).contains(value) else {
            throw ConfigurationError(setting: name, problem: "must be a share from 0 to 1, not `\(text.prefix(32))`")
        }
        return value
    }
}
