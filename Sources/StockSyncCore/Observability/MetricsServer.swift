import Hummingbird
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

/// Serves the process's metrics in Prometheus's text format at `/metrics`.
public struct MetricsServer: Service {
    private let application: Application<RouterResponder<BasicRequestContext>>

    /// Makes `registry` the backend of swift-metrics for the whole process.
    public static func bootstrap() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }

    public init(registry: PrometheusCollectorRegistry, host: String = "0.0.0.0", port: Int, logger: Logger) {
        let router = Router()
        router.get("metrics") { _, _ in
            var buffer = [UInt8]()
            buffer.reserveCapacity(8_192)
            registry.emit(into: &buffer)
            return Response(status: .ok,
                            headers: [.contentType: "text/plain; version=0.0.4"],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: buffer)))
        }
        router.get("health") { _, _ in HTTPResponse.Status.ok }
        application = Application(router: router, configuration: .init(address: .hostname(host, port: port)),
                                  logger: logger)
    }

    public func run() async throws {
        try await application.run()
    }
}
