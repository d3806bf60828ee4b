import Logging
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
/// the process at start, naming it), logging, metrics on `METRICS_PORT`, and the worker
/// run until SIGTERM or SIGINT, after which it finishes what it has in hand.
public enum WorkerProcess {
    public static func run<Worker: Service>(
        _ program: String,
        makeWorker: @Sendable (Environment, Logger) throws(ConfigurationError) -> (worker: Worker, metricsPort: Int?)
    ) async -> Never {
        let environment = Environment(ProcessInfo.processInfo.environment)
        let made: (worker: Worker, metricsPort: Int?)
        let logger: Logger
        do {
            try LoggingSetup.bootstrap(environment: environment)
            logger = Logger(label: "stocksync.\(program)")  // after bootstrap, so that LOG_LEVEL holds
            made = try makeWorker(environment, logger)
        } catch {
            _ = "\(program): \(error)\n".withCString { write(2, $0, strlen($0)) }
            exit(2)
        }
        let registry = MetricsServer.bootstrap()
        var services = [ServiceGroupConfiguration.ServiceConfiguration(
            service: made.worker, successTerminationBehavior: .gracefullyShutdownGroup,
            failureTerminationBehavior: .gracefullyShutdownGroup)]
        if let port = made.metricsPort {
            services.append(.init(service: MetricsServer(registry: registry, port: port, logger: logger)))
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
