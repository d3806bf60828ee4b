import Logging
import Prometheus
import ServiceLifecycle
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

/// The whole life of a worker executable: settings from the environment (a bad one stops
/// the process at start, naming it), logging, metrics at `MetricsEndpoint`, and the worker
/// services run until SIGTERM or SIGINT, after which each finishes what it has in hand.
package enum WorkerProcess {
    package static func run(
        _ program: String,
        makeServices: @Sendable (Environment, Logger) throws(ConfigurationError) -> (services: [any Service], metrics: MetricsEndpoint?)
    ) async -> Never {
        let environment = Environment(ProcessInfo.processInfo.environment)
        let made: (services: [any Service], metrics: MetricsEndpoint?)
        let logger: Logger
        let registry: PrometheusCollectorRegistry
        do {
            try LoggingSetup.bootstrap(environment: environment)
            logger = Logger(label: "stocksync.\(program)")  // after bootstrap, so that LOG_LEVEL holds
            // Before the services exist: their counters bind to the metrics system when made.
            registry = MetricsServer.bootstrap()
            made = try makeServices(environment, logger)
        } catch {
            _ = "\(program): \(error)\n".withCString { write(2, $0, strlen($0)) }
            exit(2)
        }
        var services = made.services.map {
            ServiceGroupConfiguration.ServiceConfiguration(service: $0, successTerminationBehavior: .gracefullyShutdownGroup,
                                                           failureTerminationBehavior: .gracefullyShutdownGroup)
        }
        if let endpoint = made.metrics {
            services.append(.init(service: MetricsServer(registry: registry, endpoint: endpoint, logger: logger)))
        }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
            exit(0)
        } catch {
            logger.critical("\(program) failed", metadata: ["error": "\(error)"])
            exit(1)
        }
    }
}
