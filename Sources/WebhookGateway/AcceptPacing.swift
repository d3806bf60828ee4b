import NIOCore
import StockSyncRuntime

/// Paces the listening channel's accepts to a rate of new connections a second; past it they
/// wait in the kernel's backlog. A delivery refused at its head has its connection closed, so a
/// flood of bad posts is a flood of new connections, and each costs the gateway an accept, a
/// pipeline and a head parse: unpaced, the faster the flood the more CPU it takes from the
/// deliveries on kept-alive connections. Paced, what it costs is bounded whatever its rate, and
/// connections already open are not touched. (HAProxy's `rate-limit sessions` does the same
/// for a frontend; a per-client limit belongs to the load balancer, which sees the clients.)
final class AcceptPacing: ChannelDuplexHandler {
    typealias InboundIn = any Channel
    typealias InboundOut = any Channel
    typealias OutboundIn = Never

    private var pacer: RatePacer
    private var heldRead: Scheduled<Void>?

    init(perSecond rate: Int) {
        pacer = RatePacer(perSecond: rate, now: .now)
    }

    /// An accepted connection.
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        pacer.take(at: .now)
        context.fireChannelRead(data)
    }

    /// A read of a listening channel accepts what its backlog holds: held back until the rate
    /// allows another connection.
    func read(context: ChannelHandlerContext) {
        guard heldRead == nil else { return }
        let wait = pacer.wait(at: .now)
        guard wait > .zero else { return context.read() }
        heldRead = context.eventLoop.assumeIsolated().scheduleTask(in: .microseconds(wait.wholeMicroseconds + 1)) { [self] in
            heldRead = nil
            read(context: context)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        heldRead?.cancel()
        heldRead = nil
    }
}
