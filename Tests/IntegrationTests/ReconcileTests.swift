import Foundation
import Logging
import StockSyncAMQP
import StockSyncDomain
import StockSyncPostgres
import StockSyncRuntime
import StockSyncShopify
import StockSyncStore
import TestSupport
import Testing

/// Reconciliation against real RabbitMQ, PostgreSQL, worker processes and the simulator.
extension IntegrationTests {
    @Suite("Reconciliation (RabbitMQ + PostgreSQL + Shopify simulator)")
    struct ReconcileTests {
        let fixture: ShopFixture
        var simulator: SimulatorClient { fixture.simulator }
        let shop = StockScenario.shopA

        init() throws {
            fixture = try ShopFixture()
        }

        /// The scenario pushed to Shopify and settled, with a push-worker still running.
        private func settledScenario(seed: UInt64, skuCount: Int = 60, missingSKUs: Set<String> = [])
            throws -> (StockScenario, [WorkerProcess])
        {
            let scenario = StockScenario(seed: seed, skuCount: skuCount, eventCount: skuCount * 8)
            try fixture.prepareShops(scenario, missingSKUs: missingSKUs)
            let workers = [try WorkerProcess("stock-worker", name: "stock-worker"),
                           try WorkerProcess("push-worker", name: "push-worker", environment: ["PUSH_CLAIM_MS": "100"])]
            try scenario.publish(to: IntegrationEnvironment.broker())
            let store = PushStore(connection: try IntegrationEnvironment.database())
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(120)) {
                try fixture.differences(scenario).filter { !missingSKUs.contains(where: $0.contains) }.isEmpty
                    && store.status().allSatisfy { $0.dueLevels == 0 && $0.pendingPushes == 0 }
            }, "\(workers.map(\.log).joined().suffix(3_000))")
            return (scenario, workers)
        }

        private func reconcile(_ mode: ReconcileRequest.Mode, skus: [String]? = nil, requestID: String = UUID().uuidString,
                               worker: WorkerProcess) throws -> ReconcileStore.RunSummary {
            let request = ReconcileRequest(requestID: requestID, shop: shop, mode: mode, skus: skus)
            try IntegrationEnvironment.broker().publish([OutgoingMessage(
                routingKey: QueueTopology.reconcileRequested, messageID: requestID, body: request.body)])
            let store = ReconcileStore(connection: try IntegrationEnvironment.database())
            var run: ReconcileStore.RunSummary?
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(120)) {
                run = try store.run(requestID: requestID)
                return run?.status == "done"
            }, "\(run.map { "\($0)" } ?? "no run")\n\(worker.log.suffix(3_000))")
            return try #require(run)
        }

        private func findings(_ run: ReconcileStore.RunSummary) throws -> Set<String> {
            Set(try ReconcileStore(connection: IntegrationEnvironment.database()).discrepancies(run: run.runID).map {
                "\($0.kind) \($0.sku) \($0.location) \($0.shopifyAvailable.map(String.init) ?? "-")"
            })
        }

        private func expected(_ scenario: StockScenario, _ sku: String, _ location: String) -> Int {
            scenario.expectedAvailability["\(shop)|\(sku)|\(location)"]!
        }

        @Test("drift seeded behind the pipeline's back is found exactly; heal fixes it; the next run finds none")
        func driftFoundAndHealed() throws {
            let (scenario, workers) = try settledScenario(seed: 21)
            let location = "gid://shopify/Location/2"
            let drifted = Array(scenario.skus.prefix(5))
            var seeded: Set<String> = []
            for (index, sku) in drifted.enumerated() {
                let value = expected(scenario, sku, location) + 3 + index
                try simulator.edit(shop, sku: sku, location: location, available: value)
                seeded.insert("drift \(sku) \(location) \(value)")
            }
            let reconciler = try WorkerProcess("reconcile-worker", name: "reconcile-worker")
            let report = try reconcile(.report, worker: reconciler)
            #expect(try findings(report) == seeded)
            #expect(report.levelsCompared == scenario.skus.count * 3 && report.unsettled == 0 && report.healed == 0)

            let heal = try reconcile(.heal, worker: reconciler)
            #expect(heal.drift == 5 && heal.healed == 5)
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(60)) { try fixture.differences(scenario).isEmpty },
                    "\(workers.map(\.log).joined().suffix(2_000))")
            let after = try reconcile(.report, worker: reconciler)
            #expect(try findings(after).isEmpty)
        }

        @Test("a drifted level the pipeline has no push record of is reported like any other")
        func driftWithoutPushRecord() throws {
            let (scenario, _) = try settledScenario(seed: 25)
            let location = "gid://shopify/Location/1", sku = scenario.skus[0]
            let value = expected(scenario, sku, location) + 2
            try simulator.edit(shop, sku: sku, location: location, available: value)
            // As after a restore, or for a level ATS gained before its first push.
            try IntegrationEnvironment.database().query(
                "DELETE FROM shopify_levels WHERE shop = $1 AND sku = $2 AND location = $3",
                [.string(shop), .string(sku), .string(location)])
            let reconciler = try WorkerProcess("reconcile-worker", name: "reconcile-worker")
            let report = try reconcile(.report, worker: reconciler)
            #expect(try findings(report) == ["drift \(sku) \(location) \(value)"])
        }

        @Test("items the ERP lacks, SKUs Shopify lacks and levels not stocked are classified")
        func classification() throws {
            let missing = Set(["SKU-00002"])
            let (scenario, _) = try settledScenario(seed: 22, missingSKUs: missing)
            // Shopify gains an item the ERP never heard of; an ERP SKU loses its level at location 3.
            var seed = SimulatorClient.Seed(token: ShopFixture.token, plan: "standard",
                                            locations: [1, 2, 3].map { .init(id: $0, name: "L\($0)") },
                                            items: scenario.skus.filter { !missing.contains($0) }.map { sku in
                                                .init(sku: sku, levels: ["1": 0, "2": 0, "3": 0])
                                            })
            seed.items.append(.init(sku: "GHOST-1", levels: ["1": 4]))
            seed.items[0].levels.removeValue(forKey: "3")
            try simulator.seed(shop, seed)
            let reconciler = try WorkerProcess("reconcile-worker", name: "reconcile-worker")
            let report = try reconcile(.report, worker: reconciler)
            let found = try ReconcileStore(connection: IntegrationEnvironment.database()).discrepancies(run: report.runID)
            #expect(Set(found.filter { $0.kind == "unknown_to_erp" }.map(\.sku)) == ["GHOST-1"])
            #expect(Set(found.filter { $0.kind == "unmapped" }.map(\.sku)) == missing)
            #expect(Set(found.filter { $0.kind == "missing_in_shopify" }.map { "\($0.sku) \($0.location)" })
                    == ["\(seed.items[0].sku) gid://shopify/Location/3"])
        }

        @Test("the bulk-operation path and the paginated SKU path agree")
        func bulkAndPaginatedAgree() throws {
            let (scenario, _) = try settledScenario(seed: 23)
            for (index, sku) in scenario.skus.enumerated() where index % 7 == 0 {
                try simulator.edit(shop, sku: sku, location: "gid://shopify/Location/1", available: 1_000 + index)
            }
            let reconciler = try WorkerProcess("reconcile-worker", name: "reconcile-worker")
            let bulk = try reconcile(.report, worker: reconciler)
            let paginated = try reconcile(.report, skus: scenario.skus, worker: reconciler)
            #expect(try findings(bulk) == findings(paginated))
            #expect(bulk.drift == (scenario.skus.count + 6) / 7)
            #expect(bulk.levelsCompared == paginated.levelsCompared)
        }

        @Test("a merchant's import of 10,000 levels, each notified by inventory_levels/update, is checked by one reconciliation of the shop and healed within its API budget, no call throttled")
        func importOfTenThousandLevelsCheckedOnce() throws {
            let (scenario, workers) = try settledScenario(seed: 41, skuCount: 3_334)
            let gatewayPort = IntegrationEnvironment.ListenPort.gateway()
            let secret = "import-secret"
            let processes = workers + [
                try WorkerProcess("webhook-gateway", name: "webhook-gateway", environment: [
                    "WEBHOOK_SECRET": secret, "GATEWAY_PORT": "\(gatewayPort)",
                ]),
                try WorkerProcess("order-worker", name: "order-worker", environment: ["DRIFT_SETTLE_SECONDS": "3"]),
                try WorkerProcess("reconcile-worker", name: "reconcile-worker"),
            ]
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(20)) {
                (try? CurlTransport().get("http://127.0.0.1:\(gatewayPort)/health", headers: []).status) == 200
            })
            try simulator.subscribe(shop, address: "http://127.0.0.1:\(gatewayPort)/webhooks/shopify", secret: secret,
                                    topics: ["inventory_levels/update"])
            let levels = try simulator.levels(shop)
            #expect(levels.count >= 10_000)
            let before = try simulator.stats(shop)
            let imported = ContinuousClock.now
            try simulator.importLevels(shop, levels.map { ($0.sku!, $0.locationId, $0.available + 7) })
            let database = try IntegrationEnvironment.database()
            let store = PushStore(connection: database)
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(240), every: .milliseconds(500)) {
                try fixture.differences(scenario).isEmpty && database.query("SELECT count(*) FROM drift_suspects").decode(0, as: Int.self) == 0
                    && store.status().allSatisfy { $0.dueLevels == 0 && $0.pendingPushes == 0 }
            }, "\(processes.map(\.log).joined().suffix(4_000))")
            let after = try simulator.stats(shop)
            let runs = try database.query("""
                SELECT count(*), count(*) FILTER (WHERE skus IS NULL), coalesce(sum(drift), 0) FROM reconcile_runs
                WHERE request_id LIKE 'drift:%' AND shop = $1
                """, [.string(shop)]).decode(0, as: (Int, Int, Int).self)
            print("""
                a merchant's import of \(levels.count) levels: healed \(ContinuousClock.now - imported) after it; \
                \(runs.0) drift checks (\(runs.1) of the whole shop) found \(runs.2) drifted levels; \
                \(after.calls - before.calls) Admin API calls costing \(Int(after.costCharged - before.costCharged)) points, \
                \(after.throttled - before.throttled) throttled
                """)
            #expect(after.throttled == before.throttled, "no call throttled")
            #expect((1...4).contains(runs.0) && runs.1 >= 1, "one check of the whole shop, not one a level: \(runs)")
            #expect(runs.2 >= levels.count - 10, "every imported level found drifted: \(runs)")
        }

        @Test("a shop's drift suspects are not asked to be checked while a check of the shop is queued, and are once it ran")
        func driftChecksDoNotPileUp() throws {
            let database = try IntegrationEnvironment.database()
            try ShopRegistry(connection: database).upsert(shop: shop, defaultSafetyBuffer: 0)
            try database.query("""
                INSERT INTO drift_suspects (shop, sku, location, check_after) VALUES ($1, 'SKU-A', 'gid://shopify/Location/1', now() - interval '1 second')
                """, [.string(shop)])
            _ = try ReconcileStore(connection: database).accept(ReconcileRequest(requestID: "drift:\(shop):worker:1", shop: shop, mode: .heal,
                                                                                  skus: ["SKU-B"]))
            var taken: [DriftWatchStore.DueCheck] = []
            try DriftWatchStore(connection: database).takeDue(limit: 10, longestWait: .seconds(30)) { taken = $0 }
            #expect(taken.isEmpty, "the queued check reads the suspect's level too, later")
            try database.query("UPDATE reconcile_runs SET status = 'done' WHERE request_id LIKE 'drift:%'")
            try DriftWatchStore(connection: database).takeDue(limit: 10, longestWait: .seconds(30)) { taken = $0 }
            #expect(taken.map { "\($0.shop) \($0.heal) \($0.skus)" } == ["\(shop) true [\"SKU-A\"]"])
        }

        @Test("a bulk download that hangs midway is abandoned after the stall time and fetched again; no result file is left behind")
        func stalledBulkDownloadIsAbandoned() throws {
            let scenario = StockScenario(seed: 27, skuCount: 200, eventCount: 800)
            try fixture.prepareShops(scenario)
            // The first download sends half the file, then holds the rest for two minutes.
            try simulator.setFaults(.init(bulkDownloadStallRate: 0.5, stallMilliseconds: 120_000))
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulk-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let connection = try ShopRegistry(connection: IntegrationEnvironment.database())
                .connectedShops(openedWith: IntegrationEnvironment.tokens).first { $0.shop == shop }!
            var api = try InventoryAPI(connection: connection, plainHTTPHosts: [], logger: Logger(label: "test"),
                                       downloadStall: .seconds(1))
            api.bulkDirectory = directory.path
            let started = ContinuousClock.now
            var skus: Set<String> = []
            try api.catalogue { line in if case .item(_, let sku?) = line { skus.insert(sku) } }
            #expect(skus == Set(scenario.skus), "the catalogue is read whole from the second download")
            #expect(ContinuousClock.now - started < .seconds(60), "the stalled transfer was given up, not waited out")
            #expect(try simulator.stats(shop).faultsInjected >= 1)
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
        }

        @Test("levels with a push due or in flight are not reported, and counted as unsettled")
        func busyLevelsAreNotReported() throws {
            let (scenario, workers) = try settledScenario(seed: 24)
            workers[1].signal(SIGKILL)  // the push-worker: what becomes due stays due
            _ = workers[1].waitForExit(timeout: .seconds(10))
            let sku = scenario.skus[0]
            try IntegrationEnvironment.broker().publish([OutgoingMessage(
                routingKey: QueueTopology.stockChanged,
                body: StockScenario.snapshot(id: "busy", sku: sku, warehouse: "WH-3", version: 10_000,
                                             quantities: .init(onHand: 77)))])
            let database = try IntegrationEnvironment.database()
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(30)) {
                try database.query("SELECT count(*) FROM available_to_sell WHERE shop = $1 AND version > pushed_version",
                                   [.string(shop)]).decode(0, as: Int.self) > 0
            })
            let reconciler = try WorkerProcess("reconcile-worker", name: "reconcile-worker",
                                               environment: ["RECONCILE_SETTLE_SECONDS": "1"])
            let report = try reconcile(.report, worker: reconciler)
            #expect(try findings(report).isEmpty)
            #expect(report.unsettled == 1)
        }

        @Test("units held back as sold wait for their order; past the grace period they are drift, and heal clears them")
        func heldBackUnits() throws {
            let (scenario, workers) = try settledScenario(seed: 27, skuCount: 20)
            defer { withExtendedLifetime(workers) {} }  // the pipeline keeps running throughout
            let sku = scenario.skus[0], location = "gid://shopify/Location/2"
            // A sale on Shopify, then an ERP change before the order reaches the ERP: the
            // push finds Shopify stale and holds the sold units back.
            try simulator.sell(shop, sku: sku, location: location, quantity: 1)
            try IntegrationEnvironment.broker().publish([OutgoingMessage(
                routingKey: QueueTopology.stockChanged,
                body: StockScenario.snapshot(id: "held", sku: sku, warehouse: "WH-3", version: 10_000,
                                             quantities: .init(onHand: 50)))])
            let database = try IntegrationEnvironment.database()
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(30)) {
                try (database.query("SELECT unreserved_sold FROM shopify_levels WHERE shop = $1 AND sku = $2 AND location = $3",
                                    [.string(shop), .string(sku), .string(location)]).decode(0, as: Int?.self) as Int?) == 1
                    && PushStore(connection: database).status().allSatisfy { $0.dueLevels == 0 }
            })
            let patient = try WorkerProcess("reconcile-worker", name: "reconcile-patient",
                                            environment: ["RECONCILE_SETTLE_SECONDS": "1"])
            let waiting = try reconcile(.report, worker: patient)
            #expect(try findings(waiting).isEmpty && waiting.unsettled == 1)
            patient.signal(SIGTERM)
            _ = patient.waitForExit(timeout: .seconds(20))

            let strict = try WorkerProcess("reconcile-worker", name: "reconcile-strict",
                                           environment: ["RECONCILE_HOLDBACK_GRACE_SECONDS": "0"])
            let report = try reconcile(.report, worker: strict)
            #expect(try findings(report) == ["drift \(sku) \(location) 47"])  // ATS 48 (50 − buffer 2) less 1 held back
            _ = try reconcile(.heal, worker: strict)
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(30)) {
                try simulator.levels(shop).first { $0.sku == sku && $0.locationId == location }?.available == 48
            })
        }

        @Test("a run lasting over three heartbeat intervals, delivered three times to three workers, runs once; another shop's run goes beside it")
        func longRunHoldsNoDelivery() throws {
            _ = try settledScenario(seed: 28, skuCount: 60)
            // Every Shopify call takes two seconds: the run lasts several heartbeat intervals.
            try simulator.setFaults(.init(latencyMilliseconds: 2_000))
            let workers = try (0..<3).map {
                try WorkerProcess("reconcile-worker", name: "reconcile-\($0)",
                                  environment: ["AMQP_URL": IntegrationEnvironment.quickHeartbeatURLText])
            }
            let broker = try IntegrationEnvironment.broker()
            func publish(_ request: ReconcileRequest) throws {
                try broker.publish([OutgoingMessage(routingKey: QueueTopology.reconcileRequested, messageID: request.requestID,
                                                    body: request.body)])
            }
            let long = ReconcileRequest(requestID: "long-\(UUID().uuidString)", shop: StockScenario.shopA, mode: .report)
            let other = ReconcileRequest(requestID: "other-\(UUID().uuidString)", shop: StockScenario.shopB, mode: .report)
            let store = ReconcileStore(connection: try IntegrationEnvironment.database())
            try publish(long)
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(30), every: .milliseconds(50)) {
                try store.run(requestID: long.requestID)?.status == "running"
            })
            // Copies of the running request reach the other workers (a redelivery, a retried
            // publish): held while the run goes, they would keep those workers from the next shop.
            try publish(long)
            try publish(long)
            try publish(other)
            var logs: String { workers.map(\.log).joined() }
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(120)) {
                try [long, other].allSatisfy { try store.run(requestID: $0.requestID)?.status == "done" }
            }, "\(logs.suffix(4_000))")
            let database = try IntegrationEnvironment.database()
            let (overlapped, longSeconds) = try database.query("""
                SELECT o.started_at < l.finished_at, extract(epoch FROM l.finished_at - l.started_at)::float8
                FROM reconcile_runs l, reconcile_runs o WHERE l.request_id = $1 AND o.request_id = $2
                """, [.string(long.requestID), .string(other.requestID)]).decode(0, as: (Bool, Double).self)
            #expect(longSeconds >= 3, "the run outlasts three one-second heartbeat intervals")
            #expect(overlapped, "the other shop's run started while the long one went on")
            #expect(logs.components(separatedBy: "reconciliation done").count - 1 == 2, "each request ran once\n\(logs.suffix(4_000))")
            #expect(!logs.contains("connection lost") && !logs.contains("interrupted"), "\(logs.suffix(4_000))")
            try simulator.setFaults(.init())
        }

        @Test("a reconcile-worker killed mid-run: the request runs again elsewhere and completes once")
        func killedMidRunCompletesOnce() throws {
            let (scenario, _) = try settledScenario(seed: 25, skuCount: 100)
            for sku in scenario.skus.prefix(3) {
                try simulator.edit(shop, sku: sku, location: "gid://shopify/Location/3", available: 999)
            }
            try simulator.setFaults(.init(latencyMilliseconds: 400))
            let first = try WorkerProcess("reconcile-worker", name: "reconcile-first")
            let requestID = "killed-\(UUID().uuidString)"
            let request = ReconcileRequest(requestID: requestID, shop: shop, mode: .heal)
            try IntegrationEnvironment.broker().publish([OutgoingMessage(
                routingKey: QueueTopology.reconcileRequested, messageID: requestID, body: request.body)])
            let store = ReconcileStore(connection: try IntegrationEnvironment.database())
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(30), every: .milliseconds(50)) {
                try store.run(requestID: requestID)?.status == "running"
            })
            first.signal(SIGKILL)
            _ = first.waitForExit(timeout: .seconds(10))
            try simulator.setFaults(.init())
            let second = try WorkerProcess("reconcile-worker", name: "reconcile-second")
            var run: ReconcileStore.RunSummary?
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(120)) {
                run = try store.run(requestID: requestID)
                return run?.status == "done"
            }, "\(second.log.suffix(2_000))")
            #expect(run?.drift == 3 && run?.healed == 3)
            let database = try IntegrationEnvironment.database()
            #expect(try database.query("SELECT count(*) FROM reconcile_runs WHERE request_id = $1", [.string(requestID)])
                .decode(0, as: Int.self) == 1)
            #expect(try store.discrepancies(run: run!.runID).count == 3)

            // The same request again changes nothing; a malformed one is dead-lettered with its reason.
            _ = try reconcile(.heal, requestID: requestID, worker: second)
            #expect(try database.query("SELECT count(*) FROM reconcile_runs").decode(0, as: Int.self) == 1)
            try IntegrationEnvironment.broker().publish([OutgoingMessage(
                routingKey: QueueTopology.reconcileRequested, messageID: "bad",
                body: Array(#"{"schema":"reconcile-requested/1","request_id":"bad","shop":"a.myshopify.com","mode":"fix"}"#.utf8))])
            let broker = try IntegrationEnvironment.broker()
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(20)) {
                try broker.status(of: QueueTopology.deadLetterQueue(for: QueueTopology.reconcileRequested)).messageCount == 1
            })
        }

        @Test("`stocksync reconcile run --wait` exits non-zero, with the reason, when the run it waited for failed")
        func waitReportsAFailedRun() throws {
            let scenario = StockScenario(seed: 27, skuCount: 5, eventCount: 40)
            try fixture.prepareShops(scenario)
            // Shopify answers 401 to a token it does not know: the run fails and is not retried.
            try ShopRegistry(connection: IntegrationEnvironment.database())
                .connect(shop: shop, apiVersion: .default, adminURL: simulator.adminURL(shop), accessToken: "shpat_revoked",
                         sealedWith: IntegrationEnvironment.tokens)
            let worker = try WorkerProcess("reconcile-worker", name: "reconcile-refused")
            let command = try WorkerProcess("stocksync", name: "reconcile-wait",
                                            arguments: ["reconcile", "run", "--shop", shop, "--wait", "--timeout", "60"])
            #expect(command.waitForExit(timeout: .seconds(90)) == 1, "\(command.log)\n\(worker.log.suffix(2_000))")
            #expect(command.log.contains("failed"), "\(command.log)")
            #expect(command.log.contains("401"), "\(command.log)")
        }

        @Test("a schedule slot that came due is run once, however many workers look")
        func scheduleFiresOnce() throws {
            _ = try settledScenario(seed: 26, skuCount: 10)
            let database = try IntegrationEnvironment.database()
            try ReconcileStore(connection: database).schedule(shop: shop, every: "1 hour")
            try database.query("UPDATE reconcile_schedules SET next_at = now() - interval '5 minutes' WHERE shop = $1", [.string(shop)])
            let workers = try (0..<2).map {
                try WorkerProcess("reconcile-worker", name: "reconcile-\($0)", environment: ["RECONCILE_SCHEDULE_POLL_SECONDS": "1"])
            }
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(60)) {
                try database.query("SELECT count(*) FROM reconcile_runs WHERE shop = $1 AND request_id LIKE 'scheduled:%' AND status = 'done'",
                                   [.string(shop)]).decode(0, as: Int.self) == 1
            }, "\(workers.map(\.log).joined().suffix(2_000))")
            Thread.sleep(forTimeInterval: 3)
            #expect(try database.query("SELECT count(*) FROM reconcile_runs WHERE shop = $1 AND request_id LIKE 'scheduled:%'",
                                       [.string(shop)]).decode(0, as: Int.self) == 1)
            #expect(try (database.query("SELECT next_at > now() + interval '50 minutes' FROM reconcile_schedules WHERE shop = $1",
                                        [.string(shop)]).decode(0, as: Bool?.self) as Bool?) == true)
        }
    }
}
