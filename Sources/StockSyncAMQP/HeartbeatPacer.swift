import StockSyncRuntime
import Synchronization

/// Keeps every open connection of the process alive through any silence. rabbitmq-c sends
/// heartbeats only while its owner is inside a call that reads frames; a publisher waiting
/// for work, or a consumer whose thread is in a long handler (a reconcile run, an order
/// batch paced by Shopify's cost bucket, a wait for a database lock), sends nothing, and
/// RabbitMQ closes a connection after two silent heartbeat intervals
/// (https://www.rabbitmq.com/docs/heartbeats). One thread looks at every connection each
/// `tick` and sends a heartbeat frame for any that has been silent for half its interval,
/// taking the connection's lock only when its owner is not using it; an owner inside a
/// call holds the lock, and that call services heartbeats itself.
final class HeartbeatPacer: Sendable {
    static let shared = HeartbeatPacer()

    private struct Entry: @unchecked Sendable {  // read only under `entries`' lock
        weak var connection: AMQPConnection?
    }

    private let entries = Mutex<[ObjectIdentifier: Entry]>([:])
    private let started = Atomic<Bool>(false)
    private let tick: Duration = .milliseconds(250)

    func register(_ connection: AMQPConnection) {
        entries.withLock { $0[ObjectIdentifier(connection)] = Entry(connection: connection) }
        if started.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged {
            // Without a thread no connection is kept alive; failing to start one is as bad as
            // running out of memory, and as rare.
            try! DedicatedThread.detach { [self] in pace() }
        }
    }

    func unregister(_ identifier: ObjectIdentifier) {
        _ = entries.withLock { $0.removeValue(forKey: identifier) }
    }

    private func pace() {
        while true {
            blockingSleep(tick)
            let connections = entries.withLock { $0.values.compactMap(\.connection) }
            for connection in connections { connection.sendHeartbeatIfSilent() }
        }
    }
}
