import Foundation
import StockSyncAMQP
import StockSyncPostgres
import StockSyncRuntime
import StockSyncShopify
import Testing

/// The stock pipeline against real RabbitMQ and PostgreSQL, with real worker processes.
/// Serialized: the tests share the servers' queues and tables.
extension IntegrationTests {
    @Suite("Stock pipeline (RabbitMQ + PostgreSQL)")
    struct StockPipelineTests {
        init() throws {
            try IntegrationEnvironment.reset()
            try StockScenario.configure(IntegrationEnvironment.database())
        }

        /// Waits until the queue is drained and the database holds the scenario's state.
        private func expectConverges(_ scenario: StockScenario, workers: [WorkerProcess],
                                     timeout: Duration = .seconds(240)) throws {
            let broker = try IntegrationEnvironment.broker()
            let database = try IntegrationEnvironment.database()
            // Done when the state matches; given up when the queue is drained and the state has
            // stopped changing for a while (nothing left in flight), or at the timeout.
            var lastDifference: String?
            var unchangedSince = ContinuousClock.now
            let converged = try IntegrationEnvironment.eventually(timeout: timeout, every: .milliseconds(500)) {
                let drained = try broker.status(of: QueueTopology.stockChanged).messageCount == 0
                let difference = try scenario.difference(database)
                if difference != lastDifference || !drained { unchangedSince = .now }
                lastDifference = difference
                return difference == nil && drained || ContinuousClock.now - unchangedSince > .seconds(15)
            } && lastDifference == nil
            let difference = try scenario.difference(database) ?? "queue not drained"
            #expect(converged, "\(difference)\n\(workers.map(\.log).joined())")
            #expect(try broker.status(of: QueueTopology.deadLetterQueue(for: QueueTopology.stockChanged)).messageCount == 0)
        }

        @Test("10,000 shuffled events with 10% duplicates end in the computed state", arguments: [1, 2])
        func convergesFromShuffledDuplicatedEvents(workerCount: Int) throws {
            let scenario = StockScenario(seed: UInt64(workerCount), skuCount: 1_000, eventCount: 10_000)
            try scenario.publish(to: IntegrationEnvironment.broker())
            let workers = try (0..<workerCount).map { index in
                try WorkerProcess("stock-worker", name: "stock-worker-\(index)", environment: ["STOCK_BATCH_SIZE": "250"])
            }
            try expectConverges(scenario, workers: workers)
        }

        @Test("a poison message is dead-lettered with its reason while its batch-mates apply")
        func poisonMessagesAreDeadLettered() throws {
            let scenario = StockScenario(seed: 3, skuCount: 50, eventCount: 400)
            let poison: [(id: String, body: String, reason: String)] = [
                ("p1", "{not json", "body is not valid JSON"),
                ("p2", #"{"schema":"stock-changed/9","event_id":"p2"}"#, "unknown schema `stock-changed/9` (this worker reads `stock-changed/1`)"),
                ("p3", String(decoding: StockScenario.snapshot(id: "p3", sku: "SKU-00001", warehouse: "WH-1", version: 99,
                                                               quantities: .init(onHand: 1)), as: UTF8.self)
                    .replacingOccurrences(of: "\"on_hand\":1", with: "\"on_hand\":-1"),
                 "field `on_hand` must be between 0 and 1000000000, not -1"),
            ]
            var messages = scenario.messages.map { OutgoingMessage(routingKey: QueueTopology.stockChanged, body: $0) }
            for (offset, item) in poison.enumerated() {
                messages.insert(OutgoingMessage(routingKey: QueueTopology.stockChanged, messageID: item.id,
                                                body: Array(item.body.utf8)), at: 100 * (offset + 1))
            }
            let broker = try IntegrationEnvironment.broker()
            try broker.publish(messages)
            let worker = try WorkerProcess("stock-worker", name: "poison-worker", environment: ["STOCK_BATCH_SIZE": "500"])

            let deadLetters = QueueTopology.deadLetterQueue(for: QueueTopology.stockChanged)
            let database = try IntegrationEnvironment.database()
            let settled = try IntegrationEnvironment.eventually(timeout: .seconds(60)) {
                try broker.status(of: deadLetters).messageCount == poison.count && scenario.difference(database) == nil
            }
            let difference = try scenario.difference(database) ?? ""
            #expect(settled, "\(difference) \(worker.log)")

            var found: [String: Delivery] = [:]
            while let delivery = try broker.get(deadLetters) {
                found[delivery.messageID ?? "?"] = delivery
                try broker.ack(delivery.deliveryTag)
            }
            for item in poison {
                let delivery = try #require(found[item.id])
                #expect(delivery.headers[QueueTopology.DeadLetterHeader.reason] == item.reason)
                #expect(delivery.headers[QueueTopology.DeadLetterHeader.worker] == "poison-worker")
                #expect(delivery.headers[QueueTopology.DeadLetterHeader.queue] == QueueTopology.stockChanged)
                #expect(String(decoding: delivery.body, as: UTF8.self) == item.body)
            }
            #expect(try broker.status(of: QueueTopology.stockChanged).messageCount == 0)
        }

        @Test("an event the database refuses outside the data classes (a trigger's exception, P0001) is dead-lettered alone; its batch-mates apply")
        func refusalOfAnyKindIsIsolated() throws {
            let scenario = StockScenario(seed: 7, skuCount: 50, eventCount: 400)
            let database = try IntegrationEnvironment.database()
            // Stands for any error one message's content reaches that is not a data exception.
            try database.execute(script: """
                CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'poisoned SKU %', NEW.sku USING ERRCODE = 'P0001'; END $$;
                CREATE TRIGGER refuse_poison BEFORE INSERT OR UPDATE ON stock_levels
                    FOR EACH ROW WHEN (NEW.sku = 'POISON') EXECUTE FUNCTION refuse_poison();
                """)
            var messages = scenario.messages.map { OutgoingMessage(routingKey: QueueTopology.stockChanged, body: $0) }
            messages.insert(OutgoingMessage(routingKey: QueueTopology.stockChanged, messageID: "poison", body: StockScenario.adjustment(
                id: "poison", sku: "POISON", warehouse: "WH-1", delta: 1, version: nil)), at: 200)
            let broker = try IntegrationEnvironment.broker()
            try broker.publish(messages)
            let worker = try WorkerProcess("stock-worker", name: "isolating-worker", environment: ["STOCK_BATCH_SIZE": "500"])
            let deadLetters = QueueTopology.deadLetterQueue(for: QueueTopology.stockChanged)
            let settled = try IntegrationEnvironment.eventually(timeout: .seconds(60)) {
                try broker.status(of: deadLetters).messageCount == 1 && scenario.difference(database) == nil
            }
            let difference = try scenario.difference(database) ?? ""
            #expect(settled, "\(difference) \(worker.log.suffix(2_000))")
            let deadLetter = try #require(try broker.get(deadLetters))
            #expect(deadLetter.messageID == "poison")
            #expect(deadLetter.headers[QueueTopology.DeadLetterHeader.reason]?.contains("P0001") == true)
            #expect(try broker.status(of: QueueTopology.stockChanged).messageCount == 0)
        }

        @Test("SIGKILL in the middle of batches, again and again, loses nothing and doubles nothing")
        func sigkillLosesNothingAndDoublesNothing() throws {
            let scenario = StockScenario(seed: 4, skuCount: 1_000, eventCount: 10_000)
            try scenario.publish(to: IntegrationEnvironment.broker())
            let database = try IntegrationEnvironment.database()
            var random = SystemRandomNumberGenerator()
            var kills = 0
            var logs = ""
            // Kill the worker while it is applying: some adjustments are in, not all.
            while kills < 5 {
                let worker = try WorkerProcess("stock-worker", name: "killed-worker", environment: ["STOCK_BATCH_SIZE": "200"])
                let before = try database.query("SELECT count(*) FROM stock_adjustments").decode(0, as: Int.self)
                _ = try IntegrationEnvironment.eventually(timeout: .seconds(30), every: .milliseconds(5)) {
                    try database.query("SELECT count(*) FROM stock_adjustments").decode(0, as: Int.self) > before
                }
                Thread.sleep(forTimeInterval: Double.random(in: 0...0.05, using: &random))
                worker.signal(SIGKILL)
                #expect(worker.waitForExit(timeout: .seconds(10)) != nil)
                logs += worker.log
                kills += 1
            }
            let applied = try database.query("SELECT count(*) FROM stock_adjustments").decode(0, as: Int.self)
            #expect(applied < scenario.distinctAdjustmentCount, "the kills should land before the work is done")

            let survivor = try WorkerProcess("stock-worker", name: "survivor", environment: ["STOCK_BATCH_SIZE": "200"])
            try expectConverges(scenario, workers: [survivor])
            #expect(try database.query("SELECT count(*) FROM stock_adjustments").decode(0, as: Int.self)
                    == scenario.distinctAdjustmentCount)
        }

        @Test("a stock-worker frozen with SIGSTOP inside a transaction holds the others up only for the configured time; when it wakes nothing is lost or doubled")
        func frozenStockWorkerStallsOthersBriefly() throws {
            let scenario = StockScenario(seed: 6, skuCount: 200, eventCount: 10_000)
            let separator = IntegrationEnvironment.databaseURL!.contains("?") ? "&" : "?"
            func worker(_ name: String) throws -> WorkerProcess {
                // The server ends a session idle in its transaction after a second (30 s by
                // default); the broker requeues a silent consumer's deliveries after two
                // one-second heartbeats.
                try WorkerProcess("stock-worker", name: name, environment: [
                    "STOCK_BATCH_SIZE": "200", "AMQP_URL": IntegrationEnvironment.quickHeartbeatURLText,
                    "DATABASE_URL": IntegrationEnvironment.databaseURL! + separator
                        + "application_name=\(name)&options=-c%20idle_in_transaction_session_timeout%3D1000",
                ])
            }
            let frozen = try worker("frozen-stock-worker")
            let steady = try worker("steady-stock-worker")
            try scenario.publish(to: IntegrationEnvironment.broker())
            let database = try IntegrationEnvironment.database()
            func sessionsOfFrozen(inTransaction: Bool) throws -> Int {
                try database.query("""
                    SELECT count(*) FROM pg_stat_activity
                    WHERE application_name = 'frozen-stock-worker' AND ($1 = 'any' OR xact_start IS NOT NULL)
                    """, [.string(inTransaction ? "in transaction" : "any")]).decode(0, as: Int.self)
            }
            // Frozen inside a transaction, its session holds SKU locks the other worker needs.
            var frozenInTransaction = false
            for _ in 0..<200 where !frozenInTransaction {
                _ = try IntegrationEnvironment.eventually(timeout: .seconds(5), every: .milliseconds(1)) {
                    try sessionsOfFrozen(inTransaction: true) > 0
                }
                frozen.signal(SIGSTOP)
                frozenInTransaction = try sessionsOfFrozen(inTransaction: true) > 0
                if !frozenInTransaction { frozen.signal(SIGCONT) }
            }
            #expect(frozenInTransaction, "\(frozen.log.suffix(2_000))")
            try expectConverges(scenario, workers: [frozen, steady], timeout: .seconds(120))
            // The others may converge before the frozen session's second is up (when it held none of
            // the SKUs they needed): the server ends it within its timeout all the same.
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(10)) { try sessionsOfFrozen(inTransaction: false) == 0 },
                    "the server ended the frozen session")
            frozen.signal(SIGCONT)
            // Woken, it finds its session ended and its deliveries gone to the other worker.
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(30)) { try sessionsOfFrozen(inTransaction: false) > 0 },
                    "\(frozen.log.suffix(2_000))")
            try expectConverges(scenario, workers: [frozen, steady], timeout: .seconds(30))
            #expect(try database.query("SELECT count(*) FROM stock_adjustments").decode(0, as: Int.self)
                    == scenario.distinctAdjustmentCount)
        }

        @Test("the worker's Prometheus endpoint counts the events it applied")
        func metricsCountAppliedEvents() throws {
            let scenario = StockScenario(seed: 5, skuCount: 20, eventCount: 100, duplicateShare: 0)
            let port = IntegrationEnvironment.ListenPort.metrics()
            let worker = try WorkerProcess("stock-worker", name: "metered-worker", environment: ["METRICS_PORT": "\(port)"])
            try scenario.publish(to: IntegrationEnvironment.broker())
            let http = try CurlTransport()
            var text = ""
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(30)) {
                text = (try? http.get("http://127.0.0.1:\(port)/metrics", headers: [])).map { String(decoding: $0.body, as: UTF8.self) } ?? ""
                return text.contains("stocksync_stock_events_applied_total 100")
            }, "\(text.prefix(2_000))\n\(worker.log)")
        }

        @Test("/health says the process lives; /ready, that its sessions are connected: 503 naming them while the broker is unreachable; `stocksync probe` exits by it")
        func readiness() throws {
            let http = try CurlTransport()
            func answer(_ port: Int, _ path: String) -> (Int, String)? {
                (try? http.get("http://127.0.0.1:\(port)\(path)", headers: [])).map { ($0.status, String(decoding: $0.body, as: UTF8.self)) }
            }
            let good = IntegrationEnvironment.ListenPort.metrics()
            let connected = try WorkerProcess("stock-worker", name: "ready-worker", environment: ["METRICS_PORT": "\(good)"])
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(20)) { answer(good, "/ready")?.0 == 200 }, "\(connected.log)")
            // Nothing listens at port 1: the worker lives, but is not ready.
            let bad = IntegrationEnvironment.ListenPort.metrics()
            let unreachable = try WorkerProcess("stock-worker", name: "unready-worker", environment: [
                "METRICS_PORT": "\(bad)", "AMQP_URL": "amqp://guest:guest@127.0.0.1:1/",
            ])
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(20)) { answer(bad, "/health")?.0 == 200 }, "\(unreachable.log)")
            let waiting = answer(bad, "/ready")
            #expect(waiting?.0 == 503 && waiting?.1.contains("waiting for") == true, "\(waiting.map { "\($0)" } ?? "no answer")")
            func probe(_ port: Int) throws -> Int32? {
                let command = try WorkerProcess("stocksync", name: "stocksync-probe", arguments: ["probe", "http://127.0.0.1:\(port)/ready"])
                return command.waitForExit(timeout: .seconds(20))
            }
            #expect(try probe(good) == 0)
            #expect(try probe(bad) == 1)
        }

        @Test("after a quiet spell of four heartbeat intervals the first dead letter is published on the first try")
        func deadLetterAfterSilence() throws {
            let worker = try WorkerProcess("stock-worker", name: "quiet-worker",
                                           environment: ["AMQP_URL": IntegrationEnvironment.quickHeartbeatURLText])
            let broker = try IntegrationEnvironment.broker()
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(20)) {
                try broker.status(of: QueueTopology.stockChanged).consumerCount == 1
            })
            Thread.sleep(forTimeInterval: 4)
            try broker.publish([OutgoingMessage(routingKey: QueueTopology.stockChanged, messageID: "quiet", body: Array("{}".utf8))])
            let deadLetters = QueueTopology.deadLetterQueue(for: QueueTopology.stockChanged)
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(20)) {
                try broker.status(of: deadLetters).messageCount == 1
            }, "\(worker.log)")
            #expect(!worker.log.contains("interrupted"), "\(worker.log)")
        }

        @Test("SIGTERM finishes the batch in hand and exits 0")
        func sigtermStopsGracefully() throws {
            let worker = try WorkerProcess("stock-worker", name: "graceful-worker")
            let broker = try IntegrationEnvironment.broker()
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(20)) {
                try broker.status(of: QueueTopology.stockChanged).consumerCount == 1
            })
            worker.signal(SIGTERM)
            #expect(worker.waitForExit(timeout: .seconds(20)) == 0, "\(worker.log)")
            #expect(worker.log.contains("worker stopped"))
        }

        @Test("a bad setting stops the worker at start, naming the setting, never the password")
        func badConfigurationStopsAtStart() throws {
            let worker = try WorkerProcess("stock-worker", name: "misconfigured",
                                           environment: ["AMQP_URL": "amqps://svc:s3cr3t@host/", "STOCK_BATCH_SIZE": "10"])
            #expect(worker.waitForExit(timeout: .seconds(10)) == 2)
            #expect(worker.log.contains("AMQP_URL"))
            #expect(!worker.log.contains("s3cr3t"))
        }
    }
}
