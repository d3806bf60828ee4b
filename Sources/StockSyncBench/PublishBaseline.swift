import ArgumentParser
import Foundation
import StockSyncAMQP
import StockSyncRuntime
import Synchronization

/// `scripts/bench-webhooks`' yardstick: what RabbitMQ itself takes, through the same adapter,
/// of the bodies the gateway publishes: `publishers` connections (as many as the gateway has
/// lanes) each publishing batches of `batch` persistent messages and waiting for their
/// confirms, for `seconds`. Prints confirmed messages a second.
struct PublishBaseline: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "publish-baseline")
    @Option(help: "File whose bytes are every message's body.") var body: String
    @Option var publishers = ConfirmedPublisher.lanes
    @Option(help: "Messages a confirm round trip covers.") var batch = 16
    @Option var seconds = 10.0
    @Option var queue = QueueTopology.orderPlaced

    func run() throws {
        let url = try Environment(ProcessInfo.processInfo.environment).amqpURL("AMQP_URL", default: DevelopmentDefaults.amqpURL)
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: body)))
        let messages = (0..<batch).map { OutgoingMessage(routingKey: queue, messageID: "baseline-\($0)", body: bytes) }
        let confirmed = Atomic<Int>(0)
        let failures = Mutex<[String]>([])
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1_000))
        let threads = (0..<publishers).map { index in
            Thread {
                do {
                    let connection = try AMQPConnection(url: url, name: "stocksync-bench publish-baseline \(index)")
                    while ContinuousClock.now < deadline {
                        try connection.publish(messages)
                        confirmed.add(messages.count, ordering: .relaxed)
                    }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
        }
        let started = ContinuousClock.now
        threads.forEach { $0.start() }
        while threads.contains(where: { !$0.isFinished }) { Thread.sleep(forTimeInterval: 0.05) }
        let elapsed = (ContinuousClock.now - started).seconds
        if let failure = failures.withLock({ $0.first }) { throw ValidationError("a publisher failed: \(failure)") }
        let total = confirmed.load(ordering: .relaxed)
        print(String(format: "%.0f", Double(total) / elapsed))
    }
}
