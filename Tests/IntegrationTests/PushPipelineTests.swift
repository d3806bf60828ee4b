import Foundation
import Logging
import StockSyncAMQP
import StockSyncDomain
import StockSyncPostgres
import StockSyncRuntime
import StockSyncStore
import TestSupport
import Testing

/// Stock events through stock-workers and push-workers into the Shopify simulator, against
/// real RabbitMQ and PostgreSQL and real processes.
extension IntegrationTests {
    @Suite("Push pipeline (RabbitMQ + PostgreSQL + Shopify simulator)")
    struct PushPipelineTests {
        let fixture: ShopFixture
        var simulator: SimulatorClient { fixture.simulator }

        init() throws {
            fixture = try ShopFixture()
        }

        @Test("SKUs the store lacks are set aside and reported; every other level still reaches Shopify")
        func unmappedSKUsDoNotStall() throws {
            let scenario = StockScenario(seed: 16, skuCount: 300, eventCount: 2_000)
            let missing = Set(scenario.skus.prefix(3))
            try fixture.prepareShops(scenario, missingSKUs: missing)
            let workers = try startWorkers(push: 1)
            try scenario.publish(to: IntegrationEnvironment.broker())
            var last: [String] = []
            let converged = try IntegrationEnvironment.eventually(timeout: .seconds(120), every: .milliseconds(500)) {
                last = try fixture.differences(scenario)
                return last.isEmpty
            }
            #expect(converged, "\(last.prefix(5))\n\(workers.map(\.log).joined().suffix(3_000))")
            let store = PushStore(connection: try IntegrationEnvironment.database())
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(30)) { try store.status().allSatisfy { $0.dueLevels == 0 } })
            let reported = Set(try store.problems(shop: StockScenario.shopA).map(\.sku))
            #expect(reported == missing, "every level of a missing SKU with ATS > 0 is reported, nothing else")
        }

        @Test("a level that always breaks the call it is in (INTERNAL_SERVER_ERROR) is found by halving and set aside; every other level reaches Shopify")
        func poisonedLevelIsSetAside() throws {
            let scenario = StockScenario(seed: 17, skuCount: 300, eventCount: 2_000)
            let poisoned = Array(scenario.skus.prefix(2))
            try fixture.prepareShops(scenario, missingSKUs: [])
            try simulator.setFaults(.init(failingSKUs: poisoned))
            let workers = try (0..<1).map { try WorkerProcess("stock-worker", name: "stock-worker-\($0)") } + [
                try WorkerProcess("push-worker", name: "push-worker", environment: [
                    "PUSH_CLAIM_MS": "200", "PUSH_INTENT_MAX_FAILURES": "2", "PUSH_INTENT_RETRY_MS": "50",
                ]),
            ]
            try scenario.publish(to: IntegrationEnvironment.broker())
            var last: [String] = []
            let converged = try IntegrationEnvironment.eventually(timeout: .seconds(120), every: .milliseconds(500)) {
                last = try fixture.differences(scenario).filter { difference in !poisoned.contains { difference.contains(" \($0) ") } }
                return last.isEmpty
            }
            #expect(converged, "\(last.prefix(5))\n\(workers.map(\.log).joined().suffix(3_000))")
            let store = PushStore(connection: try IntegrationEnvironment.database())
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(30)) { try store.status().allSatisfy { $0.dueLevels == 0 } })
            let problems = try store.problems(shop: StockScenario.shopA)
            #expect(Set(problems.map(\.sku)).isSubset(of: Set(poisoned)) && !problems.isEmpty, "\(problems)")
            #expect(problems.allSatisfy { $0.problem.contains("INTERNAL_SERVER_ERROR") }, "\(problems)")
            let database = try IntegrationEnvironment.database()
            #expect(try database.query("SELECT count(*) FROM shopify_push_intents").decode(0, as: Int.self) == 0)
        }

        @Test("a shop configured with an API version Shopify no longer supports is served by the oldest one that is: pushes go on, the served version is recorded and shown")
        func unsupportedVersionServedByTheOldest() throws {
            let scenario = StockScenario(seed: 18, skuCount: 50, eventCount: 200)
            try fixture.prepareShops(scenario, missingSKUs: [])
            let registry = ShopRegistry(connection: try IntegrationEnvironment.database())
            try registry.connect(shop: StockScenario.shopA, apiVersion: ShopifyAPIVersion("2025-10")!,
                                 adminURL: simulator.adminURL(StockScenario.shopA), accessToken: ShopFixture.token,
                                 sealedWith: IntegrationEnvironment.tokens)
            try simulator.setFaults(.init(oldestSupportedVersion: "2026-01"))
            let workers = try startWorkers(push: 1)
            try scenario.publish(to: IntegrationEnvironment.broker())
            try expectConverges(scenario, workers: workers)
            let store = PushStore(connection: try IntegrationEnvironment.database())
            var status: PushStore.ShopStatus?
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(10)) {
                status = try store.status().first { $0.shop == StockScenario.shopA }
                return status?.servedAPIVersion == "2026-01"
            }, "\(String(describing: status))")
            #expect(status?.apiVersion == "2025-10" && status?.apiSupportEnds == "2026-10-01T17:00:00.000Z")
            #expect(workers.map(\.log).joined().contains("Shopify serves another API version than the one configured"))
            #expect(try store.status().first { $0.shop == StockScenario.shopB }?.servedAPIVersion == ShopifyAPIVersion.default.description)
        }

        private func expectConverges(_ scenario: StockScenario, workers: [WorkerProcess], timeout: Duration = .seconds(180)) throws {
            var last: [String] = []
            let converged = try IntegrationEnvironment.eventually(timeout: timeout, every: .milliseconds(500)) {
                last = try fixture.differences(scenario)
                return last.isEmpty
            }
            #expect(converged, "\(last.count) levels differ, e.g. \(last.prefix(5))\n\(workers.map(\.log).joined().suffix(4_000))")
            let database = try IntegrationEnvironment.database()
            #expect(try database.query("SELECT count(*) FROM shopify_push_intents").decode(0, as: Int.self) == 0)
            #expect(try database.query("SELECT count(*) FROM shopify_levels WHERE problem IS NOT NULL").decode(0, as: Int.self) == 0)
        }

        /// A set applied twice would show as two equal values in a row: a push is only ever
        /// sent when Shopify is expected to hold something else.
        private func expectNoDuplicateEffects() throws {
            for shop in Set(StockScenario.mappings.map(\.shop)) {
                var last: [String: Int] = [:]
                for change in try simulator.history(shop) {
                    let key = change.inventoryItemId + change.locationId
                    #expect(last[key] != change.available, "\(shop) \(key) set to \(change.available) twice in a row")
                    last[key] = change.available
                }
            }
        }

        private func startWorkers(stock: Int = 1, push: Int) throws -> [WorkerProcess] {
            try (0..<stock).map { try WorkerProcess("stock-worker", name: "stock-worker-\($0)") }
                + (0..<push).map { try WorkerProcess("push-worker", name: "push-worker-\($0)", environment: ["PUSH_CLAIM_MS": "200"]) }
        }

        @Test("stock events end as the ERP's available-to-sell in every store, two push-workers sharing two shops")
        func stockEventsReachShopify() throws {
            let scenario = StockScenario(seed: 11, skuCount: 300, eventCount: 3_000)
            try fixture.prepareShops(scenario)
            let workers = try startWorkers(stock: 2, push: 2)
            try scenario.publish(to: IntegrationEnvironment.broker())
            try expectConverges(scenario, workers: workers)
            try expectNoDuplicateEffects()
            #expect(workers[2...].allSatisfy { $0.log.contains("pushing shop") }, "each push-worker took one of the two shops")
        }

        @Test("with 5% server errors, 5% lost answers and added latency the end state is the same, each change applied once")
        func faultsChangeNothing() throws {
            try simulator.setFaults(.init(serverErrorRate: 0.05, lostResponseRate: 0.05, latencyMilliseconds: 20))
            let scenario = StockScenario(seed: 12, skuCount: 300, eventCount: 3_000)
            try fixture.prepareShops(scenario)
            let workers = try startWorkers(push: 1)
            try scenario.publish(to: IntegrationEnvironment.broker())
            try expectConverges(scenario, workers: workers)
            try expectNoDuplicateEffects()
            #expect(try simulator.stats(StockScenario.shopA).faultsInjected >= 2, "the faults were injected")
        }

        @Test("a push-worker killed with SIGKILL mid-batch is replaced by another, and no level is left wrong")
        func killedPushWorkerIsReplaced() throws {
            try simulator.setFaults(.init(latencyMilliseconds: 150))
            let scenario = StockScenario(seed: 13, skuCount: 600, eventCount: 4_000)
            try fixture.prepareShops(scenario)
            let stockWorker = try WorkerProcess("stock-worker", name: "stock-worker")
            let first = try WorkerProcess("push-worker", name: "push-worker-first", environment: ["PUSH_CLAIM_MS": "200"])
            try scenario.publish(to: IntegrationEnvironment.broker())
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(60), every: .milliseconds(50)) {
                try simulator.history(StockScenario.shopA).count > 0
            })
            let second = try WorkerProcess("push-worker", name: "push-worker-second", environment: ["PUSH_CLAIM_MS": "200"])
            first.signal(SIGKILL)
            #expect(first.waitForExit(timeout: .seconds(10)) != nil)
            try expectConverges(scenario, workers: [stockWorker, first, second])
            try expectNoDuplicateEffects()
            #expect(second.log.contains("pushing shop"))
        }

        @Test("a push-worker frozen with SIGSTOP gives up its shop within the lease; the other worker pushes it, and nothing is pushed twice when it wakes")
        func frozenPushWorkerLetsItsShopGo() throws {
            let scenario = StockScenario(seed: 18, skuCount: 300, eventCount: 3_000)
            try fixture.prepareShops(scenario)
            let environment = ["PUSH_CLAIM_MS": "200", "PUSH_SHOP_LEASE_SECONDS": "3"]
            let stock = try WorkerProcess("stock-worker", name: "stock-worker")
            let frozen = try WorkerProcess("push-worker", name: "push-worker-frozen", environment: environment)
            let steady = try WorkerProcess("push-worker", name: "push-worker-steady", environment: environment)
            let workers = [stock, frozen, steady]
            // Each takes one of the two shops: its fair share while both are alive.
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(30)) {
                frozen.log.contains("pushing shop") && steady.log.contains("pushing shop")
            }, "\(workers.map(\.log).joined())")
            frozen.signal(SIGSTOP)
            try scenario.publish(to: IntegrationEnvironment.broker())
            // Without the lease the frozen worker's sessions keep its shop's lock and count it
            // in the fair share for as long as it stays frozen.
            try expectConverges(scenario, workers: workers, timeout: .seconds(90))
            frozen.signal(SIGCONT)
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(30)) { frozen.log.contains("stopped pushing shop") },
                    "the woken worker finds its session ended and lets the shop go: \(frozen.log.suffix(2_000))")
            try expectConverges(scenario, workers: workers, timeout: .seconds(30))
            try expectNoDuplicateEffects()
        }

        @Test("a replayed push Shopify refuses as stale while showing exactly its quantity is confirmed, not booked as units sold")
        func staleReplayShowingItsQuantityIsConfirmed() throws {
            let scenario = StockScenario(seed: 14, skuCount: 1, eventCount: 4)
            try fixture.prepareShops(scenario)
            let shop = StockScenario.shopA, location = "gid://shopify/Location/2", sku = scenario.skus[0]
            let database = try IntegrationEnvironment.database()
            let broker = try IntegrationEnvironment.broker()
            func snapshot(_ version: Int, onHand: Int) throws {
                try broker.publish([OutgoingMessage(routingKey: QueueTopology.stockChanged, body: StockScenario.snapshot(
                    id: "replay-\(version)", sku: sku, warehouse: "WH-3", version: 1_000 + version,
                    quantities: .init(onHand: onHand)))])
            }
            func shopify() throws -> Int? { try simulator.levels(shop).first { $0.locationId == location }?.available }
            let stock = try WorkerProcess("stock-worker", name: "stock-worker")
            var push = try WorkerProcess("push-worker", name: "push-worker", environment: ["PUSH_CLAIM_MS": "200"])
            try snapshot(1, onHand: 12)  // ATS 10
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(30)) { try shopify() == 10 }, "\(push.log)")
            push.signal(SIGTERM)
            #expect(push.waitForExit(timeout: .seconds(10)) == 0)
            try snapshot(2, onHand: 9)  // ATS 7
            let due = try #require(try IntegrationEnvironment.eventually(timeout: .seconds(30)) {
                try database.query("""
                    SELECT count(*) FROM available_to_sell WHERE shop = $1 AND sku = $2 AND location = $3 AND available = 7
                    """, [.string(shop), .string(sku), .string(location)]).decode(0, as: Int.self) == 1
            } ? database.query("SELECT version FROM available_to_sell WHERE shop = $1 AND sku = $2 AND location = $3",
                                [.string(shop), .string(sku), .string(location)]).decode(0, as: Int.self) : nil, "\(stock.log)")
            let item = try database.query("SELECT inventory_item_id FROM shopify_items WHERE shop = $1 AND sku = $2",
                                          [.string(shop), .string(sku)]).decode(0, as: String.self)
            // The push 10 → 7 applied, but its answer was lost and Shopify no longer keeps its key.
            try simulator.edit(shop, sku: sku, location: location, available: 7)
            try PushStore(connection: database).recordIntent(shop: shop, .init(idempotencyKey: "forgotten-key", quantities: [
                PushQuantity(sku: sku, inventoryItemID: item, location: location, quantity: 7, changeFrom: 10, version: due),
            ]))
            push = try WorkerProcess("push-worker", name: "push-worker-2", environment: ["PUSH_CLAIM_MS": "200"])
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(30)) {
                try database.query("SELECT count(*) FROM shopify_push_intents").decode(0, as: Int.self) == 0
                    && database.query("SELECT count(*) FROM available_to_sell WHERE version > pushed_version").decode(0, as: Int.self) == 0
            }, "\(push.log)")
            let held = try database.query("SELECT expected, unreserved_sold FROM shopify_levels WHERE shop = $1 AND sku = $2 AND location = $3",
                                          [.string(shop), .string(sku), .string(location)]).decode(0, as: (Int?, Int).self)
            #expect(held == (7, 0), "booked as 3 units sold, the next push would have set 4")
            #expect(try shopify() == 7)
        }

        @Test("units Shopify sold between computing and pushing are never added back")
        func saleDuringPushIsNotUndone() throws {
            let scenario = StockScenario(seed: 14, skuCount: 1, eventCount: 4)
            try fixture.prepareShops(scenario)
            let shop = StockScenario.shopA, location = "gid://shopify/Location/2", sku = scenario.skus[0]
            let database = try IntegrationEnvironment.database()
            let broker = try IntegrationEnvironment.broker()
            // WH-3 alone feeds location 2 of shop A, whose safety buffer is 2.
            func snapshot(_ version: Int, onHand: Int) throws {
                try broker.publish([OutgoingMessage(routingKey: QueueTopology.stockChanged, body: StockScenario.snapshot(
                    id: "race-\(version)", sku: sku, warehouse: "WH-3", version: 1_000 + version,
                    quantities: .init(onHand: onHand)))])
            }
            func shopify() throws -> Int? {
                try simulator.levels(shop).first { $0.locationId == location }?.available
            }
            let workers = try startWorkers(push: 1)
            try snapshot(1, onHand: 12)  // ATS 10
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(30)) { try shopify() == 10 })
            // A storefront order takes 2; before the order reaches the ERP, the ERP receives 2 units.
            try simulator.sell(shop, sku: sku, location: location, quantity: 2)
            try snapshot(2, onHand: 14)  // ATS 12, computed without the order
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(30)) {
                try database.query("""
                    SELECT count(*) FROM available_to_sell
                    WHERE shop = $1 AND sku = $2 AND location = $3 AND available = 12 AND version = pushed_version
                    """, [.string(shop), .string(sku), .string(location)]).decode(0, as: Int.self) == 1
            }, "\(workers.map(\.log).joined())")
            // Pushing 12 would have sold the order's 2 units again: Shopify shows 12 - 2.
            #expect(try shopify() == 10)
            let held = try database.query("SELECT expected, unreserved_sold FROM shopify_levels WHERE shop = $1 AND sku = $2 AND location = $3",
                                          [.string(shop), .string(sku), .string(location)])
            let (expected, unreservedSold) = try held.decode(0, as: (Int?, Int?).self)
            #expect(expected == 10 && unreservedSold == 2)
            #expect(try simulator.history(shop).filter { $0.locationId == location }.map(\.available) == [10, 8, 10])
        }

        @Test("SIGTERM finishes the push in hand and exits 0; a bad setting stops it at start, naming the setting")
        func lifecycle() throws {
            let scenario = StockScenario(seed: 15, skuCount: 1, eventCount: 4)
            try fixture.prepareShops(scenario)
            let worker = try WorkerProcess("push-worker", name: "graceful-push-worker", environment: ["PUSH_CLAIM_MS": "100"])
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(20)) { worker.log.contains("pushing shop") })
            worker.signal(SIGTERM)
            #expect(worker.waitForExit(timeout: .seconds(20)) == 0, "\(worker.log)")
            #expect(worker.log.contains("push-worker stopped"))
            let misconfigured = try WorkerProcess("push-worker", name: "misconfigured-push-worker",
                                                  environment: ["PUSH_LINGER_MS": "soon", "DATABASE_URL": "postgresql://u:s3cr3t@h/db"])
            #expect(misconfigured.waitForExit(timeout: .seconds(10)) == 2)
            #expect(misconfigured.log.contains("PUSH_LINGER_MS") && !misconfigured.log.contains("s3cr3t"))
        }
    }
}
