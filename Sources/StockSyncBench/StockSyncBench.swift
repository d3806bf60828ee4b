import ArgumentParser
import Foundation
import StockSyncAMQP
import StockSyncRuntime
import StockSyncShopify
import TestSupport

/// Helpers of the benchmark scripts (`scripts/bench-*`): they print figures, they assert nothing.
@main
struct StockSyncBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stocksync-bench",
        abstract: "Workload generation and baselines for scripts/bench-*.",
        subcommands: [GenerateStock.self, AckDrain.self, AwaitEvents.self, BenchPush.self, BenchLatency.self, BenchReconcile.self,
                      PrepareOrders.self, AwaitOrders.self, BenchOversell.self, PublishBaseline.self])
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

/// Waits until stock-workers have applied (or dead-lettered) `count` events, reading the
/// counters on their /metrics pages, and prints the seconds since `started`. It polls from
/// one process over a kept-alive connection: a curl process per poll, every 20 ms, took
/// a few percent of the cores the workers were being measured on.
struct AwaitEvents: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "await-events")
    @Option(parsing: .upToNextOption, help: "Metrics ports of the workers.") var ports: [Int]
    @Option(parsing: .upToNextOption, help: "Process ids of the workers: if one exits, so does the wait.") var pids: [Int32] = []
    @Option var count: Int
    @Option(help: "Seconds since 1970 when the workers started.") var started: Double
    @Option var timeout = 600.0

    static let counters = ["stocksync_stock_events_applied_total", "stocksync_dead_lettered_total"]

    func run() throws {
        let transport = try CurlTransport()
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            var processed = 0
            for port in ports {
                guard let page = try? transport.get("http://127.0.0.1:\(port)/metrics", headers: []),
                      page.status == 200 else { continue }
                processed += Self.sum(of: Self.counters, in: String(decoding: page.body, as: UTF8.self))
            }
            if processed >= count {
                return print(String(format: "%.3f", Date().timeIntervalSince1970 - started))
            }
            if let exited = pids.first(where: { !Self.isRunning($0) }) {
                throw ValidationError("worker \(exited) exited after \(processed) of \(count) events")
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
        throw ValidationError("\(count) events not processed within \(timeout) s")
    }

    /// Whether the process exists and is not a zombie (exited, not yet reaped by its parent).
    static func isRunning(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let state = stat.split(separator: ")").last?.split(separator: " ").first else { return false }
        return state != "Z" && state != "X"
    }

    /// The sum of every sample of these metrics on a Prometheus text page.
    static func sum(of metrics: [String], in page: String) -> Int {
        page.split(separator: "\n").reduce(0) { total, line in
            guard metrics.contains(where: { line.hasPrefix($0) }), let value = line.split(separator: " ").last,
                  let number = Double(value) else { return total }
            return total + Int(number)
        }
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
