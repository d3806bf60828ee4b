import Dispatch
import Logging
import ServiceLifecycle
import StockSyncRuntime
import Synchronization

/// Publishes messages handed in from any task, each `publish` returning once RabbitMQ
/// confirmed it or its deadline passed, whichever comes first. Each of two lanes (a dedicated
/// thread owning a connection) sends whatever arrived together as one batch with one confirm
/// round trip, so many concurrent callers cost few round trips; while one lane waits for
/// RabbitMQ's confirms, the other gathers and sends the next batch, so no message waits for a
/// round trip it is not part of. Messages from concurrent callers carry no order between them.
/// One more thread answers the callers whose deadlines pass, every `deadlineSweep`: one timer
/// for them all rather than one armed and disarmed for each message.
package final class ConfirmedPublisher: Service, Sendable {
    private struct Pending {
        let message: OutgoingMessage
        let reply: Reply
    }

    private struct Queue {
        /// Not yet taken by a lane.
        var pending: [Pending] = []
        /// Not yet answered (pending, or in a lane's batch), for the deadline sweep.
        var unanswered: [Reply] = []
    }

    private let amqpURL: AMQPURL
    private let name: String
    private let logger: Logger
    private let queue = Mutex(Queue())
    private let arrived = DispatchSemaphore(value: 0)
    private let stopSignal = StopSignal()
    private let connectedLanes = Atomic<Int>(0)
    static let maximumBatch = 500
    /// A batch stops growing past this many body bytes, so what lanes hold beyond their
    /// callers' own requests stays small.
    static let maximumBatchBytes = 4 << 20
    package static let lanes = 2
    /// A deadline is kept to within this.
    static let deadlineSweep = Duration.milliseconds(50)

    package init(amqpURL: AMQPURL, name: String, logger: Logger) {
        self.amqpURL = amqpURL
        self.name = name
        self.logger = logger
    }

    /// Whether a lane holds an open connection to RabbitMQ now.
    package var isConnected: Bool { connectedLanes.load(ordering: .relaxed) > 0 }

    /// Returns once the message is durably in RabbitMQ; throws when the broker cannot take it
    /// or has not confirmed it within `deadline`. After a missed deadline the message may
    /// still arrive (its lane goes on with it): consumers are idempotent.
    package func publish(_ message: OutgoingMessage, within deadline: Duration) async throws {
        try await withCheckedThrowingContinuation { continuation in
            let reply = Reply(continuation, within: deadline)
            queue.withLock { queue in
                queue.pending.append(Pending(message: message, reply: reply))
                queue.unanswered.append(reply)
            }
            arrived.signal()
        }
    }

    package func run() async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<Self.lanes {
                group.addTask { try await self.stopSignal.run { [self] in publishUntilStopped() } }
            }
            group.addTask { try await self.stopSignal.run { [self] in answerMissedDeadlines() } }
            try await group.waitForAll()
        }
    }

    private func publishUntilStopped() {
        SessionLoop<Lane>(
            what: "publisher lane", stopSignal: stopSignal, logger: logger,
            backoff: Backoff(base: .milliseconds(50), cap: .seconds(2)),
            waitToReconnect: failArrivalsUntil,
            keepRunning: { [self] in !stopSignal.isRaised || !queue.withLock { $0.pending.isEmpty } }
        ).run {
            try Lane(connection: AMQPConnection(url: amqpURL, name: name), publisher: self)
        } _: { lane in
            _ = arrived.wait(timeout: .now() + .milliseconds(200))
            let batch = takeBatch()
            guard !batch.isEmpty else { return }
            do {
                try lane.connection.publish(batch.map(\.message))
            } catch {
                batch.forEach { $0.reply.settle(.failure(error)) }
                throw error
            }
            batch.forEach { $0.reply.settle(.success(())) }
        }
    }

    /// Up to `maximumBatch` messages and `maximumBatchBytes` (at least one message), leaving
    /// out those whose callers were already answered.
    private func takeBatch() -> [Pending] {
        let (batch, more) = queue.withLock { queue in
            queue.pending.removeAll { $0.reply.isSettled }
            var count = 0
            var bytes = 0
            while count < min(queue.pending.count, Self.maximumBatch) {
                bytes += queue.pending[count].message.body.count
                if count > 0 && bytes > Self.maximumBatchBytes { break }
                count += 1
            }
            let taken = Array(queue.pending.prefix(count))
            queue.pending.removeFirst(count)
            return (taken, !queue.pending.isEmpty)
        }
        if more { arrived.signal() }
        return batch
    }

    /// While the broker is down, callers are told at once rather than kept waiting.
    private func failArrivalsUntil(_ wait: Duration) {
        let deadline = ContinuousClock.now + wait
        while true {
            let waiting = queue.withLock { queue in
                defer { queue.pending.removeAll() }
                return queue.pending
            }
            waiting.forEach { $0.reply.settle(.failure(BrokerError.unavailable)) }
            let left = deadline - ContinuousClock.now
            guard left > .zero, !stopSignal.isRaised else { return }
            _ = arrived.wait(timeout: .now() + min(left, .milliseconds(200)).seconds)
        }
    }

    /// Answers every caller whose deadline has passed, until stopped with none left waiting.
    private func answerMissedDeadlines() {
        while true {
            blockingSleep(Self.deadlineSweep)
            let now = ContinuousClock.now
            let (missed, noneLeft) = queue.withLock { queue in
                var missed: [Reply] = []
                queue.unanswered.removeAll { reply in
                    if reply.isSettled { return true }
                    guard reply.deadline <= now else { return false }
                    missed.append(reply)
                    return true
                }
                return (missed, queue.unanswered.isEmpty)
            }
            missed.forEach { $0.settle(.failure(BrokerError.notConfirmedInTime($0.within))) }
            if stopSignal.isRaised && noneLeft { return }
        }
    }
}

extension ConfirmedPublisher {
    /// A lane's connection, counted in `connectedLanes` for as long as the lane holds it.
    private final class Lane {
        let connection: AMQPConnection
        private let publisher: ConfirmedPublisher

        init(connection: AMQPConnection, publisher: ConfirmedPublisher) {
            self.connection = connection
            self.publisher = publisher
            publisher.connectedLanes.add(1, ordering: .relaxed)
        }

        deinit { publisher.connectedLanes.subtract(1, ordering: .relaxed) }
    }
}

/// A caller's answer, given once: by its lane (confirmed or failed) or by its deadline,
/// whichever comes first; later answers are dropped.
private final class Reply: Sendable {
    private let continuation: Mutex<CheckedContinuation<Void, any Error>?>
    /// The caller's deadline: `within` of its call.
    let within: Duration
    let deadline: ContinuousClock.Instant

    init(_ continuation: CheckedContinuation<Void, any Error>, within: Duration) {
        self.continuation = Mutex(continuation)
        self.within = within
        deadline = .now + within
    }

    var isSettled: Bool { continuation.withLock { $0 == nil } }

    func settle(_ result: Result<Void, any Error>) {
        continuation.withLock { $0.take() }?.resume(with: result)
    }
}
