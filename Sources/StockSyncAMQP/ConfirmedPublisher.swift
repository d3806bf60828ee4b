import Dispatch
import Logging
import ServiceLifecycle
import StockSyncRuntime
import Synchronization

/// Publishes messages handed in from any task, each `publish` returning only once RabbitMQ
/// confirmed it. Each of two lanes (a dedicated thread owning a connection) sends whatever
/// arrived together as one batch with one confirm round trip, so many concurrent callers cost
/// few round trips; while one lane waits for RabbitMQ's confirms, the other gathers and sends
/// the next batch, so no message waits for a round trip it is not part of. Messages from
/// concurrent callers carry no order between them.
package final class ConfirmedPublisher: Service, Sendable {
    private struct Pending {
        let message: OutgoingMessage
        let continuation: CheckedContinuation<Void, any Error>
    }

    private let amqpURL: AMQPURL
    private let name: String
    private let logger: Logger
    private let pending = Mutex<[Pending]>([])
    private let arrived = DispatchSemaphore(value: 0)
    private let stopSignal = StopSignal()
    static let maximumBatch = 500
    static let lanes = 2

    package init(amqpURL: AMQPURL, name: String, logger: Logger) {
        self.amqpURL = amqpURL
        self.name = name
        self.logger = logger
    }

    /// Returns once the message is durably in RabbitMQ; throws when the broker cannot take it.
    package func publish(_ message: OutgoingMessage) async throws {
        try await withCheckedThrowingContinuation { continuation in
            pending.withLock { $0.append(Pending(message: message, continuation: continuation)) }
            arrived.signal()
        }
    }

    package func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<Self.lanes {
                group.addTask { try await self.stopSignal.run { [self] in publishUntilStopped() } }
            }
            try await group.waitForAll()
        }
    }

    private func publishUntilStopped() {
        SessionLoop<AMQPConnection>(
            what: "publisher lane", stopSignal: stopSignal, logger: logger,
            backoff: Backoff(base: .milliseconds(50), cap: .seconds(2)),
            waitToReconnect: failArrivalsUntil,
            keepRunning: { [self] in !stopSignal.isRaised || !pending.withLock { $0.isEmpty } }
        ).run {
            try AMQPConnection(url: amqpURL, name: name)
        } _: { connection in
            _ = arrived.wait(timeout: .now() + .milliseconds(200))
            let batch = takeBatch()
            guard !batch.isEmpty else { return }
            do {
                try connection.publish(batch.map(\.message))
            } catch {
                batch.forEach { $0.continuation.resume(throwing: error) }
                throw error
            }
            batch.forEach { $0.continuation.resume() }
        }
    }

    private func takeBatch() -> [Pending] {
        let batch = pending.withLock { queue in
            let taken = Array(queue.prefix(Self.maximumBatch))
            queue.removeFirst(taken.count)
            return taken
        }
        if !pending.withLock({ $0.isEmpty }) { arrived.signal() }
        return batch
    }

    /// While the broker is down, callers are told at once rather than kept waiting.
    private func failArrivalsUntil(_ wait: Duration) {
        let deadline = ContinuousClock.now + wait
        while true {
            let waiting = pending.withLock { queue in
                defer { queue.removeAll() }
                return queue
            }
            waiting.forEach { $0.continuation.resume(throwing: BrokerUnavailable()) }
            let left = deadline - ContinuousClock.now
            guard left > .zero, !stopSignal.isRaised else { return }
            _ = arrived.wait(timeout: .now() + min(left, .milliseconds(200)).seconds)
        }
    }
}

/// The broker was unreachable moments ago; not tried again yet.
package struct BrokerUnavailable: Error, CustomStringConvertible {
    package var description: String { "RabbitMQ is unavailable" }
}
