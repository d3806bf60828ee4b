import Logging
import ServiceLifecycle
import StockSyncCore
import UnixSignals

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `stock-worker`: consumes `stock-changed` into ERP levels and available-to-sell.
@main
struct StockWorkerMain {
    static func main() async {
        let environment = Environment(ProcessInfo.processInfo.environment)
        let configuration: StockWorkerConfiguration
        do {
            try LoggingSetup.bootstrap(environment: environment)
            configuration = try StockWorkerConfiguration(environment: environment)
        } catch {
            _ = "stock-worker: \(error)\n".withCString { write(2, $0, strlen($0)) }
            exit(2)
        }
        let logger = Logger(label: "stocksync.stock-worker")
        let registry = MetricsServer.bootstrap()

        let worker = StockWorker(configuration: configuration, logger: logger)
        var services = [ServiceGroupConfiguration.ServiceConfiguration(
            service: worker, successTerminationBehavior: .gracefullyShutdownGroup,
            failureTerminationBehavior: .gracefullyShutdownGroup)]
        if let port = configuration.metricsPort {
            services.append(.init(service: MetricsServer(registry: registry, port: port, logger: logger)))
        }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            logger.critical("stock-worker failed", metadata: ["error": "\(error)"])
            exit(1)
        }
    }
}
