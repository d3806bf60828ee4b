import ArgumentParser
import StockSyncAMQP
import StockSyncDomain
import StockSyncPostgres
import StockSyncRuntime
import StockSyncStore
import StockSyncWorkers

import Foundation

@main
struct StockSyncCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stocksync",
        abstract: "Operate stocksync: schema, shops, stock events, ATS and dead letters.",
        discussion: "Connects with DATABASE_URL and AMQP_URL (defaults: the local dev stack).",
        subcommands: [Migrate.self, Shop.self, Map.self, Buffer.self, Publish.self, Show.self, Orders.self, ComplianceCommand.self, Queues.self, Retention.self, Probe.self,
                      DeadLetters.self, Shopify.self, Reconcile.self, Drift.self, GoLiveCheck.self]
    )
}

/// Connections from the same environment variables the workers read.
enum Connect {
    static var environment: Environment { Environment(ProcessInfo.processInfo.environment) }

    /// Shops' tokens' key and the hosts that may be reached over plain HTTP: commands that
    /// seal, open or send a token stop here naming a missing or bad setting.
    static func shopifyAccess() throws -> ShopifyAccess { try ShopifyAccess(environment: environment) }

    static func database() throws -> PostgresConnection {
        try PostgresConnection(url: environment.databaseURL("DATABASE_URL", default: DevelopmentDefaults.databaseURL))
    }

    static func broker() throws -> AMQPConnection {
        let connection = try AMQPConnection(
            url: environment.amqpURL("AMQP_URL", default: DevelopmentDefaults.amqpURL),
            name: WorkerName.unique("stocksync"))
        try QueueTopology.declare(on: connection)
        return connection
    }
}

/// Columns padded to their widest cell, numbers right-aligned.
struct TextTable {
    var header: [String]
    var rows: [[String]] = []

    func render() -> String {
        let widths = header.indices.map { column in
            ([header] + rows).map { $0[column].count }.max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return Int(cell) != nil ? padding + cell : cell + padding
            }.joined(separator: "  ").trimmingTrailingSpaces()
        }
        return ([line(header), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line))
            .joined(separator: "\n")
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        String(self[..<(lastIndex { $0 != " " }.map(index(after:)) ?? startIndex)])
    }
}

func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    encoder.keyEncodingStrategy = .convertToSnakeCase
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

struct Migrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Apply the SQL migrations not applied yet (they are built into this binary).")

    func run() throws {
        let database = try Connect.database()
        let outcomes = try Migrator.embedded.run(on: database)
        for outcome in outcomes {
            switch outcome {
            case .applied(let name): print("applied  \(name)")
            case .alreadyApplied(let name): print("present  \(name)")
            }
        }
        // Tokens kept in clear before they were sealed are sealed now; only this needs the key.
        let registry = ShopRegistry(connection: database)
        if try registry.clearTokenCount() > 0 {
            print("sealed   \(try registry.reseal(with: Connect.shopifyAccess().tokens)) access tokens kept in clear")
        }
    }
}

struct Shop: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add shops, connect them to Shopify, list them with their mappings.",
        subcommands: [Add.self, ConnectShop.self, List.self, Reseal.self, Policy.self])

    struct Policy: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "A shop's policies: what a drift found live does, and what a level does where Shopify does not stock the item.")
        @Argument(help: "The shop's myshopify.com domain.") var shop: String
        @Option(help: "heal (the ERP's number pushed back; the default) or report a drift found live (inventory_levels/update).")
        var drift: String?
        @Option(help: "activate the item where the ERP feeds it and Shopify does not stock it, and push; or report it (the default).")
        var unstocked: String?

        func validate() throws {
            guard drift != nil || unstocked != nil else { throw ValidationError("give --drift, --unstocked or both") }
            if let drift, !["heal", "report"].contains(drift) { throw ValidationError("--drift is heal or report") }
            if let unstocked, !["activate", "report"].contains(unstocked) { throw ValidationError("--unstocked is activate or report") }
        }

        func run() throws {
            let registry = ShopRegistry(connection: try Connect.database())
            if let drift {
                try registry.setDriftPolicy(shop: shop, heal: drift == "heal")
                print("shop \(shop): drift found live is \(drift == "heal" ? "healed" : "reported")")
            }
            if let unstocked {
                try registry.setUnstockedPolicy(shop: shop, activate: unstocked == "activate")
                print("shop \(shop): items not stocked where the ERP feeds them are \(unstocked == "activate" ? "stocked there and pushed" : "reported")")
            }
        }
    }

    struct Reseal: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Seal every shop's access token again under STOCKSYNC_TOKEN_KEY.",
            discussion: """
                To rotate the key: set the new key as STOCKSYNC_TOKEN_KEY and the old one as \
                STOCKSYNC_TOKEN_KEY_PREVIOUS everywhere, run this, then drop the previous key.
                """)

        func run() throws {
            let tokens = try Connect.shopifyAccess().tokens
            let resealed = try ShopRegistry(connection: Connect.database()).reseal(with: tokens)
            print("\(resealed) access tokens sealed again under key id \(tokens.keyID)")
        }
    }

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a shop, or change its default safety buffer.")
        @Argument(help: "The shop's myshopify.com domain.") var shop: String
        @Option(help: "Units held back from every level of the shop.") var safetyBuffer = 0

        func validate() throws {
            guard safetyBuffer >= 0 else { throw ValidationError("--safety-buffer must be 0 or more") }
        }

        func run() throws {
            let changed = try ShopConfiguration(connection: Connect.database())
                .upsertShop(shop, defaultSafetyBuffer: safetyBuffer)
            print("shop \(shop): default safety buffer \(safetyBuffer); \(changed) ATS changed")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List shops and their warehouse mappings.")
        @Flag var json = false

        func run() throws {
            let shops = try ShopConfiguration(connection: Connect.database()).shops()
            if json { return try printJSON(shops) }
            var table = TextTable(header: ["SHOP", "BUFFER", "WAREHOUSE", "LOCATION"])
            for shop in shops {
                if shop.mappings.isEmpty { table.rows.append([shop.shop, "\(shop.defaultSafetyBuffer)", "-", "-"]) }
                for (warehouse, location) in shop.mappings.sorted(by: { $0.key < $1.key }) {
                    table.rows.append([shop.shop, "\(shop.defaultSafetyBuffer)", warehouse, location])
                }
            }
            print(table.render())
        }
    }
}

struct Map: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make an ERP warehouse feed a Shopify location of a shop (or stop it, with --remove).")
    @Option var shop: String
    @Option var warehouse: String
    @Option(help: "The Shopify location (e.g. gid://shopify/Location/1).") var location: String?
    @Option(help: "Routing: order lines at the location are reserved in its warehouses by ascending priority.")
    var priority = 0
    @Flag(help: "Remove the warehouse's mapping instead.") var remove = false

    func validate() throws {
        guard remove == (location == nil) else { throw ValidationError("give --location, or --remove") }
    }

    func run() throws {
        let store = ShopConfiguration(connection: try Connect.database())
        if let location {
            let changed = try store.map(shop: shop, warehouse: warehouse, location: location, priority: priority)
            print("\(warehouse) feeds \(location) of \(shop) (priority \(priority)); \(changed) ATS changed")
        } else {
            let changed = try store.unmap(shop: shop, warehouse: warehouse)
            print("\(warehouse) feeds nothing of \(shop); \(changed) ATS changed")
        }
    }
}

struct Buffer: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Set a SKU's safety buffer for a shop, at one location or all (or clear it, with --clear).")
    @Option var shop: String
    @Option var sku: String
    @Option(help: "Only at this location; default: every location of the shop.") var location: String?
    @Argument(help: "Units held back.") var units: Int?
    @Flag var clear = false

    func validate() throws {
        guard clear == (units == nil) else { throw ValidationError("give the units, or --clear") }
        if let units, units < 0 { throw ValidationError("the units must be 0 or more") }
    }

    func run() throws {
        let changed = try ShopConfiguration(connection: Connect.database())
            .setSafetyBuffer(shop: shop, sku: sku, location: location, buffer: units)
        print("buffer of \(sku) at \(location ?? "every location") of \(shop): \(units.map(String.init) ?? "cleared"); \(changed) ATS changed")
    }
}

struct Publish: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Publish messages from a file of JSON lines (stock events for demos and backfills), confirmed.")
    @Argument(help: "The file; - for standard input.") var file: String
    @Option var queue = QueueTopology.stockChanged
    @Option(help: "Messages per confirmed batch.") var batch = 1_000

    func run() throws {
        let data = file == "-" ? FileHandle.standardInput.readDataToEndOfFile()
                               : try Data(contentsOf: URL(fileURLWithPath: file))
        let broker = try Connect.broker()
        var pending: [OutgoingMessage] = []
        var published = 0
        for line in data.split(separator: UInt8(ascii: "\n")) where !line.allSatisfy({ $0 == 32 || $0 == 13 }) {
            // The message id is the event id, when the line has one; the worker judges the rest.
            var messageID: String?
            if case .string(let id)? = (try? FlatJSONObject(parsing: line))?["event_id"] { messageID = id }
            pending.append(OutgoingMessage(routingKey: queue, messageID: messageID, body: Array(line)))
            if pending.count == batch {
                try broker.publish(pending)
                published += pending.count
                pending.removeAll(keepingCapacity: true)
            }
        }
        try broker.publish(pending)
        published += pending.count
        print("published \(published) messages to \(queue)")
    }
}

struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show SKUs' ERP levels per warehouse and the ATS they give per shop location.")
    @Argument var skus: [String]
    @Flag var json = false

    func run() throws {
        let reports = try StockQueries(connection: Connect.database()).report(skus: skus)
        if json { return try printJSON(reports) }
        for report in reports {
            print("SKU \(report.sku)")
            var levels = TextTable(header: ["WAREHOUSE", "ON_HAND", "ALLOCATED", "RESERVED", "ORDERS", "NET", "SNAPSHOT"])
            for level in report.warehouses {
                levels.rows.append([level.warehouse, "\(level.onHand)", "\(level.allocated)", "\(level.reserved)",
                                    "\(level.orderReserved)",
                                    "\(level.promisable)",
                                    "\(level.snapshotVersion)"])
            }
            print(report.warehouses.isEmpty ? "  no ERP levels" : levels.render())
            var availability = TextTable(header: ["SHOP", "LOCATION", "ATS", "VERSION", "PUSH"])
            for level in report.availability {
                availability.rows.append([level.shop, level.location, "\(level.available)", "\(level.version)",
                                          level.dueForPush ? "due" : "done"])
            }
            print(report.availability.isEmpty ? "  no ATS" : availability.render())
            print()
        }
    }
}

struct Queues: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show each queue's ready messages and consumers.")
    @Flag var json = false

    struct Depth: Codable {
        var queue: String
        var ready: Int
        var consumers: Int
    }

    func run() throws {
        let broker = try Connect.broker()
        try QueueTopology.declareReservations(on: broker)
        let queues = QueueTopology.workQueues.flatMap { [$0, QueueTopology.deadLetterQueue(for: $0)] }
            + [QueueTopology.erpReservations]
        let depths = try queues.map { queue in
            let status = try broker.status(of: queue)
            return Depth(queue: queue, ready: status.messageCount, consumers: status.consumerCount)
        }
        if json { return try printJSON(depths) }
        var table = TextTable(header: ["QUEUE", "READY", "CONSUMERS"])
        table.rows = depths.map { [$0.queue, "\($0.ready)", "\($0.consumers)"] }
        print(table.render())
    }
}
