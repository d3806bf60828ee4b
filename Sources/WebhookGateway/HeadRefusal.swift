import HTTPTypes
import NIOCore
import NIOHTTPTypes
import ShopifyWebhooks

/// Refuses at the request head a delivery its headers alone condemn (no well-formed signature,
/// a header Shopify always sends missing: `WebhookIntake.readHeaders`): answers from the event
/// loop and closes the connection, so none of its body is read into the server and no request
/// task starts. A flood of unsigned posts costs a head parse each. A head arriving while an
/// earlier request of the connection is unanswered goes on to the routes, which refuse it the
/// same way, so answers keep their order.
final class HeadRefusal: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let intake: WebhookIntake
    private let path: String
    private let refused: @Sendable (Int, String) -> Void
    /// Requests passed on whose answer has not been written yet.
    private var unanswered = 0
    private var closing = false

    init(intake: WebhookIntake, path: String, refused: @escaping @Sendable (Int, String) -> Void) {
        self.intake = intake
        self.path = path
        self.refused = refused
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        guard case .head(let head) = unwrapInboundIn(data) else { return context.fireChannelRead(data) }
        if unanswered == 0, head.method == .post, head.path?.split(separator: "?").first.map(String.init) == path,
           case .refused(let status, let reason) = intake.readHeaders({ name in
               HTTPField.Name(name).flatMap { head.headerFields[$0] }
           }) {
            closing = true
            refused(status, reason)
            let text = ByteBuffer(string: reason + "\n")
            context.write(wrapOutboundOut(.head(HTTPResponse(status: .init(code: status), headerFields: [
                .contentType: "text/plain; charset=utf-8", .contentLength: "\(text.readableBytes)", .connection: "close",
            ]))), promise: nil)
            context.write(wrapOutboundOut(.body(text)), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
            return
        }
        unanswered += 1
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { unanswered -= 1 }
        context.write(data, promise: promise)
    }
}
