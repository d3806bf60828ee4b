import ArgumentParser
import Foundation
import StockSyncCore
import TestSupport

/// Helpers of the benchmark scripts (`scripts/bench-*`): they print figures, they assert nothing.
@main
struct StockSyncBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stocksync-bench",
        abstract: "Workload generation and baselines for scripts/bench-*.",
        subcommands: [GenerateStock.self, AckDrain.self, BenchPush.self, BenchLatency.self, BenchReconcile.self,
                      PrepareOrders.self, AwaitOrders.self, BenchOversell.self])
}

/// Snapshot and adjustment events over SKUs × warehouses, as JSON lines.
struct GenerateStock: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "generate-stock")
    @Option var events = 200_000
    @Option var skus = 50_000
    @Option(parsing: .upToNextOption) var warehouses = ["WH-1", "WH-2", "WH-3", "WH-4"]
    @Option var seed: UInt64 = 1
    @Option var output: String

    func run() throws {
        var random = SeededGenerator(seed: seed)
        var versions: [Int: Int] = [:]
        var text = ""
        text.reserveCapacity(events * 230)
        for index in 0..<events {
            let key = Int(random.next() % UInt64(skus * warehouses.count))
            let sku = String(format: "SKU-%06d", key / warehouses.count)
            let warehouse = warehouses[key % warehouses.count]
            let version = versions[key, default: 0] + 1
            versions[key] = version
            if version == 1 || random.next() % 2 == 0 {
                text += StockMessages.snapshot(id: "b\(index)", sku: sku, warehouse: warehouse, version: version,
                                               onHand: Int(random.next() % 500), allocated: Int(random.next() % 20),
                                               reserved: Int(random.next() % 20))
            } else {
                text += StockMessages.adjustment(id: "b\(index)", sku: sku, warehouse: warehouse,
                                                 onHandDelta: Int(random.next() % 21) - 10, version: version)
            }
            text += "\n"
        }
        try text.write(toFile: output, atomically: true, encoding: .utf8)
    }

}

/// The baseline: drains a queue with the worker's adapter and prefetch, doing nothing but
/// acknowledging each batch (multiple-ack), and prints the rate.
struct AckDrain: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "ack-drain")
    @Option var queue = QueueTopology.stockChanged
    @Option(help: "Messages to drain.") var count: Int
    @Option var batch = 500
    @Option var prefetch = 1_000

    func run() throws {
        let environment = Environment(ProcessInfo.processInfo.environment)
        let connection = try AMQPConnection(url: environment.amqpURL("AMQP_URL", default: DevelopmentDefaults.amqpURL),
                                            name: "stocksync-bench ack-drain")
        let started = ContinuousClock.now
        try connection.consume(queue, prefetch: prefetch)
        var drained = 0
        while drained < count {
            let deliveries = try connection.nextBatch(limit: batch, linger: .milliseconds(20), idle: .seconds(5))
            guard let last = deliveries.last else { break }
            try connection.ack(last.deliveryTag, multiple: true)
            drained += deliveries.count
        }
        let seconds = (ContinuousClock.now - started).seconds
        print(String(format: "ack-only drained %d messages in %.2f s: %.0f msg/s", drained, seconds,
                     Double(drained) / seconds))
    }
}
