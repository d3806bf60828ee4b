import ArgumentParser
import StockSyncAMQP

struct DeadLetters: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dead-letters",
        abstract: "List or replay the messages a queue dead-lettered.",
        subcommands: [List.self, Replay.self])

    struct Entry: Codable {
        var messageID: String?
        var reason: String
        var worker: String?
        var body: String
    }

    /// Why a message is dead: our worker's header, or RabbitMQ's (delivery limit reached).
    static func entry(_ delivery: Delivery) -> Entry {
        let headers = delivery.headers
        return Entry(
            messageID: delivery.messageID,
            reason: headers[QueueTopology.DeadLetterHeader.reason] ?? headers["x-first-death-reason"] ?? "unknown",
            worker: headers[QueueTopology.DeadLetterHeader.worker],
            body: String(decoding: delivery.body, as: UTF8.self))
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show dead letters without removing them.")
        @Option(help: "The work queue whose dead letters to show.") var queue = QueueTopology.stockChanged
        @Option var limit = 50
        @Flag var json = false

        func run() throws {
            // Fetched unacknowledged: closing the connection returns them all to the queue.
            let broker = try Connect.broker()
            var entries: [Entry] = []
            while entries.count < limit, let delivery = try broker.get(QueueTopology.deadLetterQueue(for: queue)) {
                entries.append(DeadLetters.entry(delivery))
            }
            if json { return try printJSON(entries) }
            var table = TextTable(header: ["MESSAGE_ID", "REASON", "BODY"])
            table.rows = entries.map { [$0.messageID ?? "-", $0.reason, String($0.body.prefix(60))] }
            print(entries.isEmpty ? "no dead letters in \(QueueTopology.deadLetterQueue(for: queue))" : table.render())
        }
    }

    struct Replay: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish dead letters back to their work queue (after fixing their cause), confirmed, then remove them.",
            discussion: "Each goes back with every property and header it came with (an order webhook needs Shopify's), without the dead-letter reason.")
        @Option(help: "The work queue whose dead letters to replay.") var queue = QueueTopology.stockChanged
        @Option(help: "Replay at most this many.") var limit = Int.max
        @Option(help: "Only the message with this id.") var messageID: String?

        func run() throws {
            let source = try Connect.broker()
            let target = try Connect.broker()
            var replayed = 0, examined = 0
            while replayed < limit, let delivery = try source.get(QueueTopology.deadLetterQueue(for: queue)) {
                examined += 1
                guard messageID == nil || delivery.messageID == messageID else { continue }
                try target.publish([DeadLetter.replay(delivery, to: queue)])
                try source.ack(delivery.deliveryTag)
                replayed += 1
            }
            print("replayed \(replayed) of \(examined) dead letters to \(queue)")
        }
    }
}
