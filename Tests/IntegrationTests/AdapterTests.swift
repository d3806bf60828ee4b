import Foundation
import StockSyncAMQP
import StockSyncDomain
import StockSyncPostgres
import StockSyncStore
import StockSyncWorkers
import Testing

/// The adapters and the configuration store against the real servers.
extension IntegrationTests {
    @Suite("Adapters (RabbitMQ + PostgreSQL)")
    struct AdapterTests {
        init() throws {
            try IntegrationEnvironment.reset()
        }

        static let shop = "cfg.myshopify.com"

        static func event(_ id: String, sku: String, warehouse: String, onHand: Int, version: Int = 1) -> StockEvent {
            StockEvent(eventID: id, key: StockKey(sku: sku, warehouse: warehouse), occurredAt: Date(),
                       change: .snapshot(StockQuantities(onHand: onHand, allocated: 0, reserved: 0), version: version))
        }

        static func availability(_ connection: PostgresConnection, sku: String) throws -> [String: Int] {
            let rows = try connection.query(
                "SELECT location, available FROM available_to_sell WHERE sku = $1 AND shop = $2", [.string(sku), .string(shop)])
            return Dictionary(uniqueKeysWithValues: try rows.decodeAll(as: (String, Int).self))
        }

        @Test("the push side folds the order-worker's deductions and restocks in SQL exactly as LevelExpectation does")
        func pendingDeductionsFoldLikeLevelExpectation() throws {
            let database = try IntegrationEnvironment.database()
            var cases: [(sku: String, start: LevelExpectation, deducted: Int, restocked: Int)] = []
            for expected in [nil, 0, 7] as [Int?] {
                for unreserved in [0, 2, 5] {
                    for deducted in [0, 1, 3, 6] {
                        for restocked in [0, 2] {
                            cases.append(("S\(cases.count)", LevelExpectation(expected: expected, unreservedSold: unreserved),
                                          deducted, restocked))
                        }
                    }
                }
            }
            try database.query("""
                INSERT INTO shopify_levels (shop, sku, location, expected, unreserved_sold, unreserved_since,
                                            pending_deducted, pending_restocked)
                SELECT $1, sku, 'L', expected, unreserved, CASE WHEN unreserved > 0 THEN now() END, deducted, restocked
                FROM unnest($2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[])
                     AS c(sku, expected, unreserved, deducted, restocked)
                """, [.string(Self.shop), .strings(cases.map(\.sku)), .optionalInts(cases.map(\.start.expected)),
                      .ints(cases.map(\.start.unreservedSold)), .ints(cases.map(\.deducted)), .ints(cases.map(\.restocked))])
            _ = try PushStore(connection: database).due(shop: Self.shop, limit: 1)
            let rows = try database.query("""
                SELECT sku, expected, unreserved_sold, unreserved_since IS NULL, pending_deducted + pending_restocked
                FROM shopify_levels WHERE shop = $1
                """, [.string(Self.shop)])
            let folded = Dictionary(uniqueKeysWithValues: try (0..<rows.count).map { row in
                let (sku, expected, unreservedSold, sinceCleared, pending) =
                    try rows.decode(row, as: (String, Int?, Int, Bool, Int).self)
                return (sku, (LevelExpectation(expected: expected, unreservedSold: unreservedSold),
                              sinceCleared: sinceCleared, pending: pending))
            })
            for test in cases {
                var want = test.start
                want.orderDeducted(test.deducted)
                want.restocked(test.restocked)
                let got = try #require(folded[test.sku])
                #expect(got.0 == want, "\(test)")
                #expect(got.sinceCleared == (want.unreservedSold == 0), "\(test)")
                #expect(got.pending == 0)
            }
        }

        @Test func configurationChangesRecomputeAvailability() throws {
            let database = try IntegrationEnvironment.database()
            let configuration = ShopConfiguration(connection: database)
            try configuration.upsertShop(Self.shop, defaultSafetyBuffer: 1)
            try configuration.map(shop: Self.shop, warehouse: "W1", location: "L1")
            try configuration.map(shop: Self.shop, warehouse: "W2", location: "L1")
            try configuration.map(shop: Self.shop, warehouse: "W3", location: "L2")
            let outcome = try StockBatchApplier(connection: database).apply([
                Self.event("a", sku: "S", warehouse: "W1", onHand: 10), Self.event("b", sku: "S", warehouse: "W2", onHand: 5),
                Self.event("c", sku: "S", warehouse: "W3", onHand: 7),
            ])
            #expect(outcome == StockBatchOutcome(events: 3, levelsChanged: 3, availabilityChanged: 2))
            #expect(try Self.availability(database, sku: "S") == ["L1": 14, "L2": 6])

            #expect(try configuration.setSafetyBuffer(shop: Self.shop, sku: "S", location: "L2", buffer: 3) == 1)
            #expect(try Self.availability(database, sku: "S") == ["L1": 14, "L2": 4])
            try configuration.upsertShop(Self.shop, defaultSafetyBuffer: 4)
            #expect(try Self.availability(database, sku: "S") == ["L1": 11, "L2": 4])
            try configuration.setSafetyBuffer(shop: Self.shop, sku: "S", location: "L2", buffer: nil)
            #expect(try Self.availability(database, sku: "S") == ["L1": 11, "L2": 3])

            // A warehouse moved to another location: both locations change.
            try configuration.map(shop: Self.shop, warehouse: "W2", location: "L2")
            #expect(try Self.availability(database, sku: "S") == ["L1": 6, "L2": 8])
            // A location that loses every warehouse falls to 0 rather than keeping a stale value.
            try configuration.unmap(shop: Self.shop, warehouse: "W1")
            #expect(try Self.availability(database, sku: "S") == ["L1": 0, "L2": 8])

            // Applying the same batch again changes nothing and marks nothing due.
            let versions: Int? = try database.query("SELECT sum(version) FROM available_to_sell").decode(0, as: Int?.self)
            let again = try StockBatchApplier(connection: database).apply([Self.event("a", sku: "S", warehouse: "W1", onHand: 10)])
            #expect(again == StockBatchOutcome(events: 1, levelsChanged: 0, availabilityChanged: 0))
            #expect(try (database.query("SELECT sum(version) FROM available_to_sell").decode(0, as: Int?.self) as Int?) == versions)

            #expect(throws: UnknownShop.self) {
                try configuration.map(shop: "nobody.myshopify.com", warehouse: "W1", location: "L1")
            }
        }

        /// Another worker's batch holding one SKU holds up only that SKU's events: the rest
        /// of the batch is committed meanwhile, and the held SKU follows once it is free.
        @Test func aBatchWaitsOnlyForTheSKUsAnotherTransactionHolds() async throws {
            let database = try IntegrationEnvironment.database()
            let configuration = ShopConfiguration(connection: database)
            try configuration.upsertShop(Self.shop, defaultSafetyBuffer: 0)
            try configuration.map(shop: Self.shop, warehouse: "W1", location: "L1")
            let holder = try IntegrationEnvironment.database()
            try holder.query("BEGIN")
            try StockStore(connection: holder).lock(skus: ["HELD"])

            let applying = Task.detached {
                try StockBatchApplier(connection: IntegrationEnvironment.database()).apply([
                    Self.event("h", sku: "HELD", warehouse: "W1", onHand: 7),
                    Self.event("f", sku: "FREE", warehouse: "W1", onHand: 5),
                ])
            }
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(10)) {
                try Self.availability(database, sku: "FREE") == ["L1": 5]
            })
            #expect(try Self.availability(database, sku: "HELD").isEmpty)
            try holder.query("COMMIT")
            #expect(try await applying.value == StockBatchOutcome(events: 2, levelsChanged: 2, availabilityChanged: 2))
            #expect(try Self.availability(database, sku: "HELD") == ["L1": 7])
        }

        /// The outbox is oldest-due first: a level already due keeps its place while its ATS
        /// changes again (so that update touches no index); one pushed since joins at the end.
        @Test func aLevelAlreadyDueKeepsItsPlaceInTheOutbox() throws {
            let database = try IntegrationEnvironment.database()
            let configuration = ShopConfiguration(connection: database)
            try configuration.upsertShop(Self.shop, defaultSafetyBuffer: 0)
            try configuration.map(shop: Self.shop, warehouse: "W1", location: "L1")
            let applier = StockBatchApplier(connection: database)
            let push = PushStore(connection: database)
            func dueOrder() throws -> [String] {
                try push.due(shop: Self.shop, limit: 10).levels.map { "\($0.sku)=\($0.available)" }
            }
            try applier.apply([Self.event("a1", sku: "A", warehouse: "W1", onHand: 5)])
            try applier.apply([Self.event("b1", sku: "B", warehouse: "W1", onHand: 3)])
            try applier.apply([Self.event("a2", sku: "A", warehouse: "W1", onHand: 6, version: 2)])
            #expect(try dueOrder() == ["A=6", "B=3"])

            try database.query("UPDATE available_to_sell SET pushed_version = version WHERE sku = 'A'")
            #expect(try dueOrder() == ["B=3"])
            try applier.apply([Self.event("a3", sku: "A", warehouse: "W1", onHand: 7, version: 3)])
            #expect(try dueOrder() == ["B=3", "A=7"])
        }

        @Test func migrationsRunConcurrentlyApplyOnce() async throws {
            let database = try IntegrationEnvironment.database()
            try database.execute(script: "DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
            let directory = IntegrationEnvironment.repository.appendingPathComponent("Sources/StockSyncStore/Migrations").path
            let outcomes = try await withThrowingTaskGroup(of: [Migrator.Outcome].self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try Migrator.embedded.run(on: IntegrationEnvironment.database())
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let applied = outcomes.flatMap { $0 }.filter { if case .applied = $0 { true } else { false } }
            let migrationCount = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".sql") }.count
            #expect(applied.count == migrationCount)
            #expect(try database.query("SELECT count(*) FROM schema_migrations").decode(0, as: Int.self) == migrationCount)
        }

        @Test func aChangedMigrationIsRefused() throws {
            let database = try IntegrationEnvironment.database()
            let original = Migrator.embedded
            var edited = original.migrations
            edited[0].sql += "\n-- edited"
            #expect(throws: Migrator.ChangedMigration.self) { try Migrator(migrations: edited).run(on: database) }
        }

        @Test func databaseErrorsCarrySQLStateAndNoPassword() throws {
            let database = try IntegrationEnvironment.database()
            let division = Result { () throws(PostgresError) in try database.query("SELECT 1/0") }
            guard case .failure(let divisionError) = division else {
                Issue.record("division by zero should fail")
                return
            }
            #expect(divisionError.sqlState == "22012")
            #expect(!divisionError.isRetriable)
            let secret = "n0t-the-password"
            let url = IntegrationEnvironment.databaseURL!.replacingOccurrences(of: "stocksync:stocksync@", with: "stocksync:\(secret)@")
            let connection = Result { () throws(PostgresError) in try PostgresConnection(url: url) }
            guard case .failure(let connectionError) = connection else {
                Issue.record("a wrong password should fail")
                return
            }
            #expect(!connectionError.description.contains(secret))
            #expect(connectionError.isRetriable)
        }

        /// Inside a transaction orders are locked before SKUs: a new order after a SKU is
        /// refused before it can wait; an order held already may be asked for again.
        @Test func locksTakenOutOfOrderAreRefused() throws {
            let database = try IntegrationEnvironment.database()
            let order = OrderKey(shop: "s.myshopify.com", orderID: "1")
            let violation = #expect(throws: LockOrderViolation.self) {
                try database.transaction { connection in
                    try StockStore(connection: connection).lock(skus: ["A"])
                    try OrderStore(connection: connection).lock(orders: [order])
                }
            }
            #expect(violation?.taking == .order && violation?.holding == .sku)
            try database.transaction { connection in
                try OrderStore(connection: connection).lock(orders: [order])
                try StockStore(connection: connection).lock(skus: ["A"])
                _ = try StockStore(connection: connection).tryLock(skus: ["B"])
                try OrderStore(connection: connection).lock(orders: [order])  // held already: never waits
            }
        }

        /// A row read as other types than the query returns raises `PostgresError`, naming
        /// the column, rather than giving a wrong or missing value.
        @Test func aRowReadAsOtherTypesRaisesAnErrorNamingTheColumn() throws {
            let database = try IntegrationEnvironment.database()
            let rows = try database.query("SELECT 'x'::text AS sku, 1::int8 AS n")
            #expect(rows.count == 1)
            let mismatch = #expect(throws: PostgresError.self) { try rows.decode(0, as: (Int, Int).self) }
            #expect(mismatch?.column == "sku")
            #expect(mismatch?.isRetriable == false)
            let arity = #expect(throws: PostgresError.self) { try rows.decode(0, as: (String, Int, Int).self) }
            #expect(arity?.column == nil)
            #expect(throws: PostgresError.self) { try rows.decode(0, as: String.self) }
            let (sku, n) = try rows.decode(0, as: (String, Int).self)
            #expect(sku == "x" && n == 1)
            #expect(try rows.decodeAll(as: (String, Int?).self).map { "\($0.0)=\($0.1 ?? -1)" } == ["x=1"])

            let null = try database.query("SELECT NULL::int8 AS n")
            let unexpectedNull = #expect(throws: PostgresError.self) { try null.decode(0, as: Int.self) }
            #expect(unexpectedNull?.column == "n")
            // Bound to a typed constant: compared in place, a lone optional column's value is wrapped once more.
            let none: Int? = try null.decode(0, as: Int?.self)
            #expect(none == nil)
        }

        @Test func publishesAreConfirmedAndUnroutableOnesRefused() throws {
            let broker = try IntegrationEnvironment.broker()
            let messages = (0..<2_500).map { OutgoingMessage(routingKey: QueueTopology.stockChanged, messageID: "m\($0)",
                                                             headers: [("h", "v\($0)")], body: Array("{\"n\":\($0)}".utf8)) }
            try broker.publish(messages)
            #expect(try broker.status(of: QueueTopology.stockChanged).messageCount == 2_500)
            let first = try #require(try broker.get(QueueTopology.stockChanged))
            #expect(first.messageID == "m0")
            #expect(first.headers["h"] == "v0")
            #expect(first.body == Array(#"{"n":0}"#.utf8))

            let unroutable = try IntegrationEnvironment.broker("unroutable")
            #expect(throws: BrokerError.self) {
                try unroutable.publish([OutgoingMessage(routingKey: "no-such-queue", body: [1])])
            }
        }

        @Test("every property and every kind of header, nested tables and arrays too, arrive as they were sent; a NUL is data")
        func propertiesAndHeadersRoundTrip() throws {
            var properties = MessageProperties(contentType: "application/json", messageID: "id\u{0}with-nul",
                                               headers: [
                "x-text": .string("orders/create"), "x-raw": .bytes([0, 255, 10]), "x-on": .boolean(true),
                "i8": .int8(-8), "u8": .uint8(8), "i16": .int16(-16), "u16": .uint16(16), "i32": .int32(-32),
                "u32": .uint32(32), "i64": .int64(-64), "u64": .uint64(64), "f32": .float(1.5), "f64": .double(-2.25),
                "dec": .decimal(scale: 2, value: 1_999), "when": .timestamp(1_764_000_000), "nothing": .void,
                "x-death": .array([.table(["count": .int64(1), "reason": .string("rejected"),
                                           "routing-keys": .array([.string("order-placed")])])]),
            ])
            properties.contentEncoding = "identity"
            properties.priority = 3
            properties.correlationID = "corr"
            properties.replyTo = "replies"
            properties.expiration = "60000"
            properties.timestamp = 1_764_000_001
            properties.type = "order"
            properties.appID = "shopify"
            let broker = try IntegrationEnvironment.broker()
            try broker.publish([OutgoingMessage(routingKey: QueueTopology.stockChanged, properties: properties, body: [0, 1, 2])])
            var received = try #require(try broker.get(QueueTopology.stockChanged))
            properties.deliveryMode = 2  // everything published is persistent
            properties.headers["u64"] = .int64(64)  // RabbitMQ has no unsigned 64-bit kind: it carries it signed
            received.properties.headers["x-delivery-count"] = nil  // the quorum queue's own
            #expect(received.properties == properties)
            #expect(received.body == [0, 1, 2])
            #expect(received.headers["x-text"] == "orders/create" && received.headers["i16"] == "-16")
        }

        @Test("a publisher and a consumer silent for four heartbeat intervals are still connected")
        func silentConnectionsSurvive() throws {
            let url = try AMQPURL(parsing: IntegrationEnvironment.quickHeartbeatURLText)
            let publisher = try AMQPConnection(url: url, name: "quiet publisher")
            let consumer = try AMQPConnection(url: url, name: "quiet consumer")
            try consumer.consume(QueueTopology.stockChanged, prefetch: 10)
            try publisher.publish([OutgoingMessage(routingKey: QueueTopology.stockChanged, body: [1])])
            Thread.sleep(forTimeInterval: 4)  // neither thread calls the library: a busy handler, an idle lane
            try publisher.publish([OutgoingMessage(routingKey: QueueTopology.stockChanged, body: [2])])
            let first = try #require(try consumer.nextDelivery(timeout: .seconds(5)))
            let second = try #require(try consumer.nextDelivery(timeout: .seconds(5)))
            #expect([first.body, second.body] == [[1], [2]])
            try consumer.ack(second.deliveryTag, multiple: true)
        }

        @Test("a session frozen inside a transaction is ended by the server, so the locks it held stall others only briefly")
        func frozenTransactionReleasesItsLocks() throws {
            #expect(try IntegrationEnvironment.database().query("SHOW idle_in_transaction_session_timeout")
                .decode(0, as: String.self) == "30s")
            // The URL's own `-c` wins over the default: one second here, to keep the test short.
            let separator = IntegrationEnvironment.databaseURL!.contains("?") ? "&" : "?"
            let frozen = try PostgresConnection(url: IntegrationEnvironment.databaseURL! + separator
                                                + "options=-c%20idle_in_transaction_session_timeout%3D1000")
            try frozen.execute(script: "BEGIN; SELECT pg_advisory_xact_lock(4242);")
            // A worker stopped here (SIGSTOP) would hold the lock for ever without the timeout.
            let waiter = try IntegrationEnvironment.database()
            try waiter.execute(script: "SET statement_timeout = '10s'")  // fail rather than hang
            let started = ContinuousClock.now
            try waiter.transaction { connection in _ = try connection.query("SELECT pg_advisory_xact_lock(4242)") }
            #expect(ContinuousClock.now - started < .seconds(5))
            #expect(throws: PostgresError.self) { try frozen.query("SELECT 1") }
        }

        @Test("a URL's own options keep the server-side defaults: the transaction timeout and the server's keepalives")
        func ownOptionsKeepTheDefaults() throws {
            let separator = IntegrationEnvironment.databaseURL!.contains("?") ? "&" : "?"
            let connection = try PostgresConnection(url: IntegrationEnvironment.databaseURL! + separator
                                                    + "options=-c%20application_name%3Downoptions")
            func show(_ setting: String) throws -> String {
                try connection.query("SELECT current_setting($1)", [.string(setting)]).decode(0, as: String.self)
            }
            #expect(try show("application_name") == "ownoptions")
            #expect(try show("idle_in_transaction_session_timeout") == "30s")
            // Over TCP (the tests' URL is 127.0.0.1) the server's keepalives apply to the socket.
            #expect(try show("tcp_keepalives_idle") == "10")
            #expect(try show("tcp_user_timeout") == "30000")
        }

        @Test("a session holding a session lock that goes silent past its limit is ended by the server, freeing the lock")
        func silentSessionLetsItsLockGo() throws {
            let frozen = try IntegrationEnvironment.database()
            try frozen.endWhenIdle(for: .seconds(1))
            #expect(try frozen.query("SELECT pg_try_advisory_lock(4243)").decode(0, as: Bool.self))
            // A process stopped here (SIGSTOP) keeps its socket open: only the server's timer frees the lock.
            let other = try IntegrationEnvironment.database()
            #expect(try !other.query("SELECT pg_try_advisory_lock(4243)").decode(0, as: Bool.self))
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(10)) {
                try other.query("SELECT pg_try_advisory_lock(4243)").decode(0, as: Bool.self)
            })
            #expect(throws: PostgresError.self) { try frozen.query("SELECT 1") }
        }

        @Test("a reconcile run failing for a passing reason waits before its next try, longer each time, and fails after its last")
        func requeuedRunsBackOff() throws {
            let store = ReconcileStore(connection: try IntegrationEnvironment.database())
            let request = ReconcileRequest(requestID: "flaky", shop: Self.shop, mode: .report)
            #expect(try store.accept(request))
            #expect(try !store.accept(request), "a copy adds nothing")
            var waits: [Double] = []
            for attempt in 1...ReconcileStore.maximumAttempts {
                #expect(try store.shopsWithPendingRuns() == [Self.shop], "attempt \(attempt)")
                guard case .run(let run) = try store.begin(request) else { Issue.record("already done"); return }
                try store.requeue(run: run, error: "Shopify unreachable")
                #expect(try store.shopsWithPendingRuns().isEmpty, "waiting after attempt \(attempt)")
                waits.append(try store.connection.query(
                    "SELECT extract(epoch FROM not_before - now())::float8 FROM reconcile_runs WHERE run_id = $1",
                    [.int(run)]).decode(0, as: Double.self))
                try store.connection.query("UPDATE reconcile_runs SET not_before = now() - interval '1 second'")
            }
            #expect(waits.map { ($0 / 30).rounded() * 30 } == [30, 60, 120, 240, 480, 960, 1800, 1800])
            let summary = try #require(try store.run(requestID: "flaky"))
            #expect(summary.status == "failed" && summary.error == "Shopify unreachable")
            #expect(try store.shopsWithPendingRuns().isEmpty)
        }

        @Test func consumingInBatchesAcknowledgesOnlyWhatWasAcked() throws {
            let publisher = try IntegrationEnvironment.broker("publisher")
            try publisher.publish((0..<30).map { OutgoingMessage(routingKey: QueueTopology.stockChanged, body: [UInt8($0)]) })
            do {
                let consumer = try IntegrationEnvironment.broker("consumer")
                try consumer.consume(QueueTopology.stockChanged, prefetch: 20)
                let batch = try consumer.nextBatch(limit: 10, linger: .milliseconds(200), idle: .seconds(5))
                #expect(batch.map(\.body) == (0..<10).map { [UInt8($0)] })
                try consumer.ack(batch[batch.count - 1].deliveryTag, multiple: true)
                _ = try consumer.nextBatch(limit: 10, linger: .milliseconds(200), idle: .seconds(5))
                // Closed with 10 more delivered and not acknowledged: they go back to the queue.
            }
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(10)) {
                try publisher.status(of: QueueTopology.stockChanged).messageCount == 20
            })
        }
    }
}
