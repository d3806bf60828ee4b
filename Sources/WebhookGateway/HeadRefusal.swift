import HTTPTypes
import NIOCore
import NIOHTTPTypes
import ShopifyWebhooks

/// Refuses at the request head a delivery its headers alone condemn (no well-formed signature,
/// a header Shopify always sends missing: `WebhookIntake.readHeaders`): answers from the event
/// loop and closes the connection, so none of its body is read into the server and no request
/// task starts. A flood of unsigned posts costs a head parse each. Only a connection's first
/// request is judged here: a later one (pipelined, or on a kept-alive connection) goes on to
/// the routes, which refuse it the same way in its turn, so answers keep their order.
final class HeadRefusal: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundOut = HTTPResponsePart

    private let intake: WebhookIntake
    private let path: String
    private let refused: @Sendable (Int, String) -> Void
    private var firstRequest = true
    private var closing = false

    init(intake: WebhookIntake, path: String, refused: @escaping @Sendable (Int, String) -> Void) {
        self.intake = intake
        self.path = path
        self.refused = refused
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        guard case .head(let head) = unwrapInboundIn(data) else { return context.fireChannelRead(data) }
        defer { firstRequest = false }
        if firstRequest, head.method == .post, head.path?.split(separator: "?").first.map(String.init) == path,
           case .refused(let status, let reason) = intake.readHeaders(head.headerFields.value(named:)) {
            closing = true
            // Nothing more is read: the rest of what the socket holds (of a body of up to a
            // MiB) would be read and parsed only to be dropped.
            context.close(mode: .input, promise: nil)
            refused(status, reason)
            let text = ByteBuffer(string: reason + "\n")
            context.write(wrapOutboundOut(.head(HTTPResponse(status: .init(code: status), headerFields: [
                .contentType: "text/plain; charset=utf-8", .contentLength: "\(text.readableBytes)", .connection: "close",
            ]))), promise: nil)
            context.write(wrapOutboundOut(.body(text)), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            return
        }
        context.fireChannelRead(data)
    }
}
