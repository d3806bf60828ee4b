import HTTPTypes
import Hummingbird
import Logging
import Metrics
import NIOCore
import ShopifyWebhooks
import StockSyncAMQP
import Synchronization

/// `POST /webhooks/shopify`: the URL Shopify's webhook subscriptions point at; `GET /health`:
/// ready when a publisher lane is connected to RabbitMQ (the shop list is read before the
/// gateway listens at all).
struct WebhookRoutes {
    static let path = "/webhooks/shopify"
    var intake: WebhookIntake
    var publisher: ConfirmedPublisher
    var shops: KnownShops
    var budget: InFlightBudget
    var deadline: Duration
    var install: InstallRoutes?
    var logger: Logger

    func router() -> Router<GatewayRequestContext> {
        let router = Router(context: GatewayRequestContext.self)
        install?.add(to: router)
        router.post(RouterPath(Self.path)) { request, context in await receive(request, on: context.channel) }
        router.get("/health") { _, _ in
            publisher.isConnected ? answer(200, "ok") : answer(503, "not connected to RabbitMQ")
        }
        return router
    }

    private func receive(_ request: Request, on channel: any Channel) async -> Response {
        let started = ContinuousClock.now
        defer { Self.responseTime.record(duration: ContinuousClock.now - started) }
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > intake.maximumBodyBytes {
            return refuse(413, "body too large")
        }
        let headers: WebhookIntake.DeliveryHeaders
        switch intake.readHeaders(request.headers.value(named:)) {
        case .read(let read): headers = read
        case .refused(let status, let reason):
            // Only a connection's later requests reach here (`HeadRefusal` answers the first).
            // Its body is not to be drained without bound: the connection reads no more and
            // closes once the answer is out.
            channel.close(mode: .input, promise: nil)
            return refuse(status, reason)
        }
        guard budget.admit() else { return refuse(503, "too many deliveries in flight; Shopify will retry") }
        defer { budget.leave() }
        let buffered: ByteBuffer
        switch await collectBody(of: request) {
        case .received(let received): buffered = received
        case .tooLarge: return refuse(413, "body too large")
        case .overBudget: return refuse(503, "too many body bytes in flight; Shopify will retry")
        case .tooSlow: return refuse(408, "body not received in time")
        case .interrupted: return refuse(400, "body not received")
        }
        defer { budget.give(bytes: buffered.readableBytes) }
        let body = Array(buffer: buffered)
        let decision = intake.decide(headers, body: body, isKnownShop: shops.contains)
        switch decision {
        case .reject(let status, let reason):
            return refuse(status, reason)
        case .ignore(let topic):
            count("ignored")
            logger.debug("webhook topic not used", metadata: ["topic": "\(topic)"])
            return answer(200, "ignored")
        case .publish(let messageID, let headers):
            do {
                try await publisher.publish(
                    OutgoingMessage(routingKey: QueueTopology.orderPlaced, messageID: messageID, headers: headers,
                                    body: body),
                    within: started + deadline - ContinuousClock.now)
            } catch {
                logger.warning("delivery not queued", metadata: ["error": "\(error)"])
                count("503")
                return answer(503, "cannot queue the delivery now; Shopify will retry")
            }
            count("accepted")
            return answer(200, "ok")
        }
    }

    private enum Collected {
        case received(ByteBuffer)
        case tooLarge
        case overBudget
        case tooSlow
        case interrupted
    }

    /// The whole body, its bytes taken from the budget as they arrive (and given back here
    /// unless it is received whole), unless it is larger than allowed, the budget runs out, or
    /// it is still arriving when `BodyDeadline` ends it: a slow sender is held no longer.
    private func collectBody(of request: Request) async -> Collected {
        var body = ByteBuffer()
        var refusal: Collected?
        do {
            for try await chunk in request.body {
                if body.readableBytes + chunk.readableBytes > intake.maximumBodyBytes { refusal = .tooLarge; break }
                if !budget.take(bytes: chunk.readableBytes) { refusal = .overBudget; break }
                // Most bodies arrive in one chunk: kept as it is, not copied.
                if body.readableBytes == 0 { body = chunk } else { body.writeImmutableBuffer(chunk) }
            }
        } catch is BodyDeadline.Passed {
            refusal = .tooSlow
        } catch {
            refusal = .interrupted
        }
        guard let refusal else { return .received(body) }
        budget.give(bytes: body.readableBytes)
        return refusal
    }

    /// Counts a refused delivery (here, or at its head by `HeadRefusal`, on the event loop) and
    /// logs it, at most once a second per status with how many went unlogged since: a flood
    /// of refusals must not become a flood of log lines.
    func recordRefusal(_ status: Int, _ reason: String) {
        count("\(status)")
        let now = ContinuousClock.now
        let unlogged: Int? = Self.refusalsLogged.withLock { logged in
            if let last = logged[status], now - last.at < .seconds(1) {
                logged[status]?.unlogged += 1
                return nil
            }
            defer { logged[status] = (now, 0) }
            return logged[status]?.unlogged ?? 0
        }
        guard let unlogged else { return }
        logger.warning("webhook refused", metadata: [
            "status": "\(status)", "reason": "\(reason)", "refused_unlogged": "\(unlogged)",
        ])
    }

    private static let refusalsLogged = Mutex<[Int: (at: ContinuousClock.Instant, unlogged: Int)]>([:])

    private func refuse(_ status: Int, _ reason: String) -> Response {
        recordRefusal(status, reason)
        return answer(status, reason)
    }

    // Made once: looking a metric up in the registry costs a lock and a hash per request.
    private static let responseTime = Timer(label: "stocksync_webhook_seconds")
    private static let outcomes = Mutex<[String: Counter]>([:])

    private func count(_ outcome: String) {
        let counter = Self.outcomes.withLock { counters in
            if let counter = counters[outcome] { return counter }
            let counter = Counter(label: "stocksync_webhooks_total", dimensions: [("outcome", outcome)])
            counters[outcome] = counter
            return counter
        }
        counter.increment()
    }

    private func answer(_ status: Int, _ text: String) -> Response {
        Response(status: .init(code: status), headers: [.contentType: "text/plain; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: text + "\n")))
    }
}

/// Hummingbird's basic context and the request's channel, so that a delivery refused from its
/// headers can stop its connection's reading rather than have its body drained.
struct GatewayRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

extension HTTPFields {
    /// The field of this (case-insensitive) name, for `WebhookIntake`, which names headers by text.
    func value(named name: String) -> String? {
        HTTPField.Name(name).flatMap { self[$0] }
    }
}
