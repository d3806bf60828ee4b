import HTTPTypes
import Hummingbird
import Logging
import Metrics
import NIOCore
import ShopifyWebhooks
import StockSyncAMQP

/// `POST /webhooks/shopify`: the URL Shopify's webhook subscriptions point at.
enum WebhookRoutes {
    static func router(intake: WebhookIntake, publisher: ConfirmedPublisher, shops: KnownShops,
                       logger: Logger) -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/webhooks/shopify") { request, _ -> Response in
            let started = ContinuousClock.now
            defer { Timer(label: "stocksync_webhook_seconds").record(duration: ContinuousClock.now - started) }
            // One byte more than allowed is enough to know the body is too large.
            let body: ByteBuffer
            do {
                body = try await request.body.collect(upTo: intake.maximumBodyBytes + 1)
            } catch {
                return answer(413, "body too large")
            }
            let decision = intake.decide(
                header: { name in HTTPField.Name(name).flatMap { request.headers[$0] } },
                body: Array(buffer: body), isKnownShop: shops.contains)
            switch decision {
            case .reject(let status, let reason):
                Counter(label: "stocksync_webhooks_total", dimensions: [("outcome", "\(status)")]).increment()
                logger.warning("webhook refused", metadata: ["status": "\(status)", "reason": "\(reason)"])
                return answer(status, reason)
            case .ignore(let topic):
                Counter(label: "stocksync_webhooks_total", dimensions: [("outcome", "ignored")]).increment()
                logger.debug("webhook topic not used", metadata: ["topic": "\(topic)"])
                return answer(200, "ignored")
            case .publish(let messageID, let headers):
                do {
                    try await publisher.publish(OutgoingMessage(routingKey: QueueTopology.orderPlaced, messageID: messageID,
                                                                headers: headers, body: Array(buffer: body)))
                } catch {
                    Counter(label: "stocksync_webhooks_total", dimensions: [("outcome", "503")]).increment()
                    return answer(503, "cannot queue the delivery now; Shopify will retry")
                }
                Counter(label: "stocksync_webhooks_total", dimensions: [("outcome", "accepted")]).increment()
                return answer(200, "ok")
            }
        }
        router.get("/health") { _, _ in "ok\n" }
        return router
    }

    private static func answer(_ status: Int, _ text: String) -> Response {
        Response(status: .init(code: status), headers: [.contentType: "text/plain; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: text + "\n")))
    }
}
