import Dispatch
import Logging
import ServiceLifecycle
import Synchronization

/// Publishes messages handed in from any task, each `publish` returning only once RabbitMQ
/// confirmed it. Each of two lanes (a dedicated thread owning a connection) sends whatever
/// arrived together as one batch with one confirm round trip, so many concurrent callers cost
/// few round trips; while one lane waits for RabbitMQ's confirms, the other gathers and sends
/// the next batch, so no message waits for a round trip it is not part of. Messages from
/// concurrent callers carry no order between them.
public final class ConfirmedPublisher: Service, Sendable {
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

    public init(amqpURL: AMQPURL, name: String, logger: Logger) {
        self.amqpURL = amqpURL
        self.name = name
        self.logger = logger
    }

    /// Returns once the message is durably in RabbitMQ; throws when the broker cannot take it.
    public func publish(_ message: OutgoingMessage) async throws {
        try await withCheckedThrowingContinuation { continuation in
            pending.withLock { $0.append(Pending(message: message, continuation: continuation)) }
            arrived.signal()
        }
    }

    public func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<Self.lanes {
                group.addTask { try await self.stopSignal.run { [self] in publishUntilStopped() } }
            }
            try await group.waitForAll()
        }
    }

    private func publishUntilStopped() {
        var connection: AMQPConnection?
        var backoff = Backoff(base: .milliseconds(50), cap: .seconds(2))
        var retryAt = ContinuousClock.now
        while !stopSignal.isRaised || !pending.withLock({ $0.isEmpty }) {
            _ = arrived.wait(timeout: .now() + .milliseconds(200))
            let batch = pending.withLock { queue in
                let taken = Array(queue.prefix(Self.maximumBatch))
                queue.removeFirst(taken.count)
                return taken
            }
            guard !batch.isEmpty else { continue }
            if !pending.withLock({ $0.isEmpty }) { arrived.signal() }
            do {
                // While the broker is down, callers are told at once rather than kept waiting.
                guard ContinuousClock.now >= retryAt else { throw BrokerUnavailable() }
                let current = try connection ?? AMQPConnection(url: amqpURL, name: name)
                connection = current
                try current.publish(batch.map(\.message))
                backoff.reset()
                batch.forEach { $0.continuation.resume() }
            } catch {
                if connection != nil || !(error is BrokerUnavailable) {
                    logger.error("cannot publish to RabbitMQ", metadata: ["error": "\(error)"])
                }
                connection = nil
                if !(error is BrokerUnavailable) { retryAt = ContinuousClock.now + backoff.next() }
                batch.forEach { $0.continuation.resume(throwing: error) }
            }
        }
    }

}

/// The broker was unreachable moments ago; not tried again yet.
public struct BrokerUnavailable: Error, CustomStringConvertible {
    public var description: String { "RabbitMQ is unavailable" }
}
