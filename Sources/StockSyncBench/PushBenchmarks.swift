import ArgumentParser
import Foundation
import Logging
import StockSyncAMQP
import StockSyncDomain
import StockSyncPostgres
import StockSyncRuntime
import StockSyncShopify
import StockSyncStore
import StockSyncWorkers
import TestSupport

/// What both push benchmarks set up: a connected shop whose catalogue lives in the
/// simulator, synced into the database, and worker processes started from this
/// executable's own folder.
struct BenchShop {
    static let token = "shpat_bench"
    /// From the environment scripts/bench-* give every process (STOCKSYNC_TOKEN_KEY).
    static let access = try! ShopifyAccess(environment: Environment(ProcessInfo.processInfo.environment))
    let shop: String
    let simulator: SimulatorClient
    let database: PostgresConnection
    let binDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()

    init(shop: String, simulatorURL: String) throws {
        self.shop = shop
        simulator = try SimulatorClient(baseURL: simulatorURL)
        database = try PostgresConnection(url: Environment(ProcessInfo.processInfo.environment)
            .databaseURL("DATABASE_URL", default: DevelopmentDefaults.databaseURL))
    }

    static func sku(_ index: Int) -> String { String(format: "BENCH-%06d", index) }

    /// The shop in the database and in the simulator: `skus` items stocked at
    /// locations 1…`locations` (each fed by warehouse WH-n), showing `available(sku, location)`.
    func create(skus: Int, locations: Int, plan: String, bucketSize: Double? = nil,
                available: (Int, Int) -> Int = { _, _ in 0 }) throws {
        try ShopConfiguration(connection: database).upsertShop(shop, defaultSafetyBuffer: 0)
        for location in 1...locations {
            try ShopConfiguration(connection: database)
                .map(shop: shop, warehouse: "WH-\(location)", location: "gid://shopify/Location/\(location)")
        }
        try ShopRegistry(connection: database).connect(shop: shop, apiVersion: .default,
                                                    adminURL: simulator.adminURL(shop), accessToken: Self.token,
                                                    sealedWith: Self.access.tokens)
        try simulator.seed(shop, .init(
            token: Self.token, plan: plan, bucketSize: bucketSize, locations: (1...locations).map { .init(id: $0, name: "Location \($0)") },
            items: (0..<skus).map { sku in
                .init(sku: Self.sku(sku), levels: Dictionary(uniqueKeysWithValues: (1...locations).map { ("\($0)", available(sku, $0)) }))
            }))
    }

    /// Reads the catalogue (one bulk operation) into the item cache and expectations.
    func sync() throws -> Duration {
        let started = ContinuousClock.now
        let store = PushStore(connection: database)
        let api = try Self.access.api(for: Self.access.connectedShops(in: database).first { $0.shop == shop }!,
                                      logger: Logger(label: "stocksync-bench"))
        _ = try CatalogueSync(store: store, api: api).run()
        return ContinuousClock.now - started
    }

    /// Stores the ERP's ATS of the first `limit` levels (SKU by SKU, location by location), in
    /// chunks; `handled`: as already pushed, else due.
    func saveAvailability(skus: Int, locations: Int, limit: Int = .max, handled: Bool,
                          _ available: (_ sku: Int, _ location: Int) -> Int) throws {
        let levels = Array((0..<skus).lazy.flatMap { sku in (1...locations).lazy.map { (sku: sku, location: $0) } }.prefix(limit))
        let store = StockStore(connection: database)
        for start in stride(from: 0, to: levels.count, by: 50_000) {
            let values = Dictionary(uniqueKeysWithValues: levels[start..<min(start + 50_000, levels.count)].map {
                (AvailabilityKey(shop: shop, sku: Self.sku($0.sku), location: "gid://shopify/Location/\($0.location)"),
                 available($0.sku, $0.location))
            })
            try database.transaction { _ in
                _ = try store.saveAvailability(values, dueSince: [:])
                if handled {
                    try store.markHandled(shop: shop, levels: values.keys.map { LevelKey(sku: $0.sku, location: $0.location) },
                                          versions: Array(repeating: 1, count: values.count))
                }
            }
        }
        // Updating the rows just inserted left a dead version of each behind.
        if handled { try store.vacuumAvailability() }
    }

    func dueLevels() throws -> Int {
        try AvailabilityStore(connection: database).dueLevels(shop: shop)
    }

    func start(_ executable: String, _ environment: [String: String] = [:]) throws -> Process {
        let process = Process()
        process.executableURL = binDirectory.appendingPathComponent(executable)
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        try process.run()
        return process
    }

    static func peakRSSMegabytes(_ process: Process) -> Double {
        let status = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? ""
        return Double(line.split(separator: " ").dropFirst().first ?? "0").map { $0 / 1024 } ?? 0
    }

    static func stop(_ process: Process) {
        process.terminate()
        process.waitUntilExit()
    }
}

/// `scripts/bench-push`: levels already due in the outbox, pushed by one push-worker.
struct BenchPush: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "push")
    @Option var simulator = "http://127.0.0.1:9390"
    @Option var shop = "bench-push.myshopify.com"
    @Option var levels = 100_000
    @Option var locations = 4
    @Option var plan = "standard"

    func run() throws {
        let bench = try BenchShop(shop: shop, simulatorURL: simulator)
        let skus = (levels + locations - 1) / locations
        try bench.create(skus: skus, locations: locations, plan: plan)
        print(String(format: "catalogue synced (one bulk operation): %.2f s", try bench.sync().seconds))
        // Every level due, at a value Shopify does not hold yet.
        try bench.saveAvailability(skus: skus, locations: locations, limit: levels, handled: false) { 1 + ($0 * 7 + $1) % 100 }
        let due = try bench.dueLevels()
        let before = try bench.simulator.stats(shop)
        let started = ContinuousClock.now
        let worker = try bench.start("push-worker", ["LOG_LEVEL": "warning", "PUSH_CLAIM_MS": "50"])
        while try bench.dueLevels() > 0 { Thread.sleep(forTimeInterval: 0.02) }
        let elapsed = (ContinuousClock.now - started).seconds
        let rss = BenchShop.peakRSSMegabytes(worker)
        BenchShop.stop(worker)
        let after = try bench.simulator.stats(shop)

        let calls = after.calls - before.calls
        let minimum = (due + 249) / 250
        let cost = after.costCharged - before.costCharged
        // From a full bucket, the plan lets `cost` points through no faster than this.
        let bound = max(0, cost - after.bucketSize) / after.restoreRate
        print(String(format: "levels pushed:        %8d", due))
        print(String(format: "API calls:            %8d  (minimum %d: %.3f x; target <= 1.01)", calls, minimum,
                     Double(calls) / Double(minimum)))
        print(String(format: "elapsed:              %8.2f s (rate-limit bound %.2f s for %.0f points on %@, %.0f/s, bucket %.0f: %.2f x the bound's speed; target >= 0.90)",
                     elapsed, bound, cost, plan, after.restoreRate, after.bucketSize, bound / elapsed))
        print(String(format: "throttled responses:  %8d  (target 0)", after.throttled - before.throttled))
        print(String(format: "levels per second:    %8.0f", Double(due) / elapsed))
        print(String(format: "push-worker peak RSS: %8.1f MB", rss))
    }
}

/// `scripts/bench-latency`: stock events at a steady rate through the whole path; the time
/// from each ERP event to the Shopify level reflecting it.
struct BenchLatency: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "latency")
    @Option var simulator = "http://127.0.0.1:9390"
    @Option var shop = "bench-latency.myshopify.com"
    @Option var skus = 2_000
    @Option(help: "Events per second.") var rate = 500
    @Option(help: "Seconds of load.") var duration = 60

    func run() throws {
        let bench = try BenchShop(shop: shop, simulatorURL: simulator)
        let locations = 4
        try bench.create(skus: skus, locations: locations, plan: "standard")
        _ = try bench.sync()
        let environment = Environment(ProcessInfo.processInfo.environment)
        let broker = try AMQPConnection(url: environment.amqpURL("AMQP_URL", default: DevelopmentDefaults.amqpURL),
                                        name: "stocksync-bench latency")
        try QueueTopology.declare(on: broker)
        let workers = try [bench.start("stock-worker", ["LOG_LEVEL": "warning"]),
                           bench.start("push-worker", ["LOG_LEVEL": "warning", "PUSH_CLAIM_MS": "50"])]
        Thread.sleep(forTimeInterval: 2)

        // Each event raises one level to the next value of its own counter, so the first
        // Shopify change at or above that value is the moment the event became visible.
        struct Sent { let sku: String; let location: String; let value: Int; let at: Double }
        var counters: [String: Int] = [:]
        var sent: [Sent] = []
        var random = SystemRandomNumberGenerator()
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let tick = 0.01
        let perTick = Double(rate) * tick
        var owed = 0.0
        let start = Date().timeIntervalSince1970
        var next = start
        while next - start < Double(duration) {
            owed += perTick
            var messages: [OutgoingMessage] = []
            let now = Date()
            while owed >= 1 {
                owed -= 1
                let sku = BenchShop.sku(Int.random(in: 0..<skus, using: &random))
                let location = Int.random(in: 1...locations, using: &random)
                let key = "\(sku)|\(location)"
                let value = counters[key, default: 0] + 1
                counters[key] = value
                messages.append(OutgoingMessage(routingKey: QueueTopology.stockChanged, body: Array(StockMessages.snapshot(
                    id: "latency-\(key)-\(value)", sku: sku, warehouse: "WH-\(location)", version: value, onHand: value,
                    allocated: 0, reserved: 0, occurredAt: formatter.string(from: now)).utf8)))
                sent.append(Sent(sku: sku, location: "gid://shopify/Location/\(location)", value: value,
                                 at: now.timeIntervalSince1970))
            }
            try broker.publish(messages)
            next += tick
            let wait = next - Date().timeIntervalSince1970
            if wait > 0 { Thread.sleep(forTimeInterval: wait) }
        }
        let loadSeconds = Date().timeIntervalSince1970 - start
        let drainDeadline = Date().addingTimeInterval(120)
        while (try broker.status(of: QueueTopology.stockChanged).messageCount > 0 || bench.dueLevels() > 0),
              Date() < drainDeadline {
            Thread.sleep(forTimeInterval: 0.1)
        }
        let rss = workers.map(BenchShop.peakRSSMegabytes)
        workers.forEach(BenchShop.stop)

        let skuOfItem = Dictionary(try bench.simulator.levels(shop).map { ($0.inventoryItemId, $0.sku ?? "") },
                                   uniquingKeysWith: { first, _ in first })
        var history: [String: [SimulatorClient.Change]] = [:]
        for change in try bench.simulator.history(shop) {
            history["\(skuOfItem[change.inventoryItemId] ?? "")|\(change.locationId)", default: []].append(change)
        }
        var latencies: [Double] = []
        var missing = 0
        for event in sent {
            if let seen = history["\(event.sku)|\(event.location)"]?.first(where: { $0.available >= event.value && $0.at >= event.at }) {
                latencies.append(seen.at - event.at)
            } else {
                missing += 1
            }
        }
        latencies.sort()
        func percentile(_ p: Double) -> Double {
            latencies.isEmpty ? .nan : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]
        }
        let stats = try bench.simulator.stats(shop)
        print(String(format: "events:               %8d over %.1f s (%.0f/s)", sent.count, loadSeconds, Double(sent.count) / loadSeconds))
        print(String(format: "ERP event -> Shopify: p50 %.0f ms, p99 %.0f ms, max %.0f ms (target p99 <= 1000 ms)",
                     percentile(0.5) * 1000, percentile(0.99) * 1000, (latencies.last ?? .nan) * 1000))
        print(String(format: "events never seen:    %8d (target 0)", missing))
        print(String(format: "API calls:            %8d, throttled %d, cost %.0f points (%.1f points/s of %.0f/s)",
                     stats.calls, stats.throttled, stats.costCharged, stats.costCharged / loadSeconds, stats.restoreRate))
        print(String(format: "peak RSS:             stock-worker %.1f MB, push-worker %.1f MB", rss[0], rss[1]))
    }
}

/// `scripts/bench-reconcile`: a full report run over a large catalogue with seeded drift.
struct BenchReconcile: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reconcile")
    @Option var simulator = "http://127.0.0.1:9390"
    @Option var shop = "bench-reconcile.myshopify.com"
    @Option var skus = 250_000
    @Option var locations = 4
    @Option(help: "Every n-th level drifts.") var driftEvery = 100

    func run() throws {
        let bench = try BenchShop(shop: shop, simulatorURL: simulator)
        let available = { (sku: Int, location: Int) in 1 + (sku * 7 + location) % 100 }
        let seedStarted = ContinuousClock.now
        try bench.create(skus: skus, locations: locations, plan: "standard", available: available)
        // The ERP agrees with Shopify everywhere except every n-th level, where it says one more.
        let drifts = { (sku: Int, location: Int) in (sku * locations + location) % driftEvery == 0 }
        try bench.saveAvailability(skus: skus, locations: locations, handled: true) { available($0, $1) + (drifts($0, $1) ? 1 : 0) }
        let seeded = (0..<skus).reduce(0) { count, sku in count + (1...locations).count { drifts(sku, $0) } }
        print(String(format: "seeded %d levels (%d drifted) in %.1f s", skus * locations, seeded,
                     (ContinuousClock.now - seedStarted).seconds))

        let worker = try bench.start("reconcile-worker", ["LOG_LEVEL": "warning"])
        defer { BenchShop.stop(worker) }
        let environment = Environment(ProcessInfo.processInfo.environment)
        let broker = try AMQPConnection(url: environment.amqpURL("AMQP_URL", default: DevelopmentDefaults.amqpURL),
                                        name: "stocksync-bench reconcile")
        try QueueTopology.declare(on: broker)
        let request = ReconcileRequest(requestID: UUID().uuidString, shop: shop, mode: .report)
        let started = ContinuousClock.now
        try broker.publish([OutgoingMessage(routingKey: QueueTopology.reconcileRequested, messageID: request.requestID,
                                            body: request.body)])
        let store = ReconcileStore(connection: bench.database)
        var run: ReconcileStore.RunSummary?
        var peak = 0.0
        while run?.status != "done" && run?.status != "failed" {
            Thread.sleep(forTimeInterval: 0.1)
            peak = max(peak, BenchShop.peakRSSMegabytes(worker))
            run = try store.run(requestID: request.requestID)
        }
        let elapsed = (ContinuousClock.now - started).seconds
        let levels = run?.levelsCompared ?? 0
        print(String(format: "report run:           %8.1f s for %d levels (target <= 60 s); status %@", elapsed, levels,
                     run?.status ?? "?"))
        print(String(format: "levels per second:    %8.0f", Double(levels) / elapsed))
        print(String(format: "reconcile-worker RSS: %8.1f MB peak (target <= 150)", peak))
        print(String(format: "drift found:          %8d of %d seeded (target: equal); other discrepancies %d",
                     run?.drift ?? -1, seeded, (run?.discrepancies ?? 0) - (run?.drift ?? 0)))
    }
}
