import NIOCore
import NIOHTTPTypes
import StockSyncRuntime

/// Bounds how long a request's body may take to arrive, from its head to its end: past
/// `limit` the request's body stream fails with `BodyDeadline.Passed` (the route answers 408)
/// and the connection reads no more, so a slow sender holds its in-flight share no longer.
/// Timed here, on the event loop, because arming and disarming a timer on the loop that reads
/// the request costs a heap insert and removal; the route's task would need a timer task and
/// a wake-up of another thread for each delivery.
final class BodyDeadline: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart

    struct Passed: Error {}

    private let limit: TimeAmount
    private var timer: Scheduled<Void>?

    init(limit: Duration) {
        self.limit = .microseconds(limit.wholeMicroseconds)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            timer?.cancel()
            timer = context.eventLoop.assumeIsolated().scheduleTask(in: limit) { [self] in
                timer = nil
                context.fireErrorCaught(Passed())
                context.close(mode: .input, promise: nil)
            }
        case .end:
            timer?.cancel()
            timer = nil
        case .body:
            break
        }
        context.fireChannelRead(data)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }
}
