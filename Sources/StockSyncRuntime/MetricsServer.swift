import Logging
import Metrics
import NIOCore
import NIOHTTP1
import NIOPosix
import Prometheus
import ServiceLifecycle

/// Where a process serves its metrics: `METRICS_PORT` (unset: not at all) on
/// `METRICS_HOST`, loopback unless told otherwise, so that a process shows its metrics
/// beyond its own host only when an operator chose to (a container sets `0.0.0.0`).
package struct MetricsEndpoint: Sendable, Equatable {
    package var host: String
    package var port: Int

    package static let defaultHost = "127.0.0.1"

    package init(host: String = defaultHost, port: Int) {
        self.host = host
        self.port = port
    }

    /// nil when `METRICS_PORT` is unset.
    package static func configured(in environment: Environment) throws(ConfigurationError) -> MetricsEndpoint? {
        guard let port = try environment.optionalPort("METRICS_PORT") else { return nil }
        let host = environment.string("METRICS_HOST", default: defaultHost)
        guard (try? SocketAddress(ipAddress: host, port: port)) != nil else {
            throw ConfigurationError(setting: "METRICS_HOST",
                                     problem: "must be an IP address to listen on, such as 127.0.0.1 or 0.0.0.0")
        }
        return MetricsEndpoint(host: host, port: port)
    }
}

/// Serves the process's metrics in Prometheus's text format at `/metrics`, `/health` (the
/// process lives) and `/ready` (every session connected and working: `Readiness`).
/// Plain SwiftNIO rather than Hummingbird: Hummingbird links all of Foundation, which
/// costs a worker about 7 MB of its 40 MB memory budget for two fixed responses.
package struct MetricsServer: Service {
    private let registry: PrometheusCollectorRegistry
    private let host: String
    private let port: Int
    private let logger: Logger

    /// Makes a new registry the backend of swift-metrics for the whole process.
    package static func bootstrap() -> PrometheusCollectorRegistry {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }

    package init(registry: PrometheusCollectorRegistry, endpoint: MetricsEndpoint, logger: Logger) {
        self.registry = registry
        self.host = endpoint.host
        self.port = endpoint.port
        self.logger = logger
    }

    package func run() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let registry = self.registry
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(MetricsHandler(registry: registry))
                }
            }
            .bind(host: host, port: port).get()
        logger.info("serving metrics", metadata: ["address": "http://\(host):\(port)/metrics"])
        try await withGracefulShutdownHandler {
            try await channel.closeFuture.get()
        } onGracefulShutdown: {
            channel.close(promise: nil)
        }
        try await group.shutdownGracefully()
    }
}

private final class MetricsHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let registry: PrometheusCollectorRegistry
    private var request: HTTPRequestHead?

    init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): request = head
        case .body: break
        case .end:
            guard let request else { return }
            respond(to: request, context: context)
            self.request = nil
        }
    }

    private func respond(to request: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = request.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.uri
        let (status, contentType, body): (HTTPResponseStatus, String, [UInt8]) =
            switch (request.method, path) {
            case (.GET, "/metrics"): (.ok, "text/plain; version=0.0.4", registry.emitToBuffer())
            case (.GET, "/health"): (.ok, "text/plain", Array("ok\n".utf8))
            case (.GET, "/ready"):
                if let waiting = Readiness.process.waitingFor {
                    (.serviceUnavailable, "text/plain", Array("waiting for: \(waiting.joined(separator: "; "))\n".utf8))
                } else {
                    (.ok, "text/plain", Array("ready\n".utf8))
                }
            case (.GET, _): (.notFound, "text/plain", Array("not found\n".utf8))
            default: (.methodNotAllowed, "text/plain", Array("method not allowed\n".utf8))
            }
        var headers = HTTPHeaders([("content-type", contentType), ("content-length", String(body.count))])
        let keepAlive = request.isKeepAlive
        headers.add(name: "connection", value: keepAlive ? "keep-alive" : "close")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))),
                      promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        if !keepAlive {
            let channel = context.channel
            written.whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
