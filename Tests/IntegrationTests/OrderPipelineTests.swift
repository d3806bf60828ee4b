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
import Testing

/// Storefront orders in the Shopify simulator, through the webhook gateway and the
/// order-worker into reservations, ATS and pushes, against real RabbitMQ and PostgreSQL.
extension IntegrationTests {
    @Suite("Order pipeline (simulator → gateway → order-worker → reservations → push)")
    struct OrderPipelineTests {
        static let shop = "orders.myshopify.com"
        static let secret = "order-pipeline-secret"
        static let token = "shpat_orders"
        static let east = "gid://shopify/Location/1", west = "gid://shopify/Location/2", popUp = "gid://shopify/Location/3"

        let simulator: SimulatorProcess
        let database: PostgresConnection
        let gatewayPort = IntegrationEnvironment.ListenPort.gateway()
        var client: SimulatorClient { simulator.client }

        /// The ERP: TEE at WH-A 5 and WH-B 10 (both feed East, WH-A first), at WH-C 4 (West);
        /// CAP at WH-C 3; MUG at WH-A 2 (Shopify stocks it only at the unmapped Pop-up).
        /// Shopify also sells GHOST, which the ERP does not know.
        init() throws {
            try IntegrationEnvironment.reset()
            simulator = try SimulatorProcess()
            database = try IntegrationEnvironment.database()
            try simulator.client.seed(Self.shop, .init(
                token: Self.token, plan: "plus",
                locations: [.init(id: 1, name: "East"), .init(id: 2, name: "West"), .init(id: 3, name: "Pop-up")],
                items: [.init(sku: "TEE", levels: ["1": 0, "2": 0]), .init(sku: "CAP", levels: ["2": 0]),
                        .init(sku: "MUG", levels: ["3": 5]), .init(sku: "GHOST", levels: ["1": 5])]))
            let configuration = ShopConfiguration(connection: database)
            try configuration.upsertShop(Self.shop, defaultSafetyBuffer: 0)
            try configuration.map(shop: Self.shop, warehouse: "WH-A", location: Self.east, priority: 1)
            try configuration.map(shop: Self.shop, warehouse: "WH-B", location: Self.east, priority: 2)
            try configuration.map(shop: Self.shop, warehouse: "WH-C", location: Self.west)
            try StockBatchApplier(connection: database).apply([
                snapshot("TEE", "WH-A", 5), snapshot("TEE", "WH-B", 10), snapshot("TEE", "WH-C", 4),
                snapshot("CAP", "WH-C", 3), snapshot("MUG", "WH-A", 2),
            ])
            let store = PushStore(connection: database)
            let registry = ShopRegistry(connection: database)
            try registry.connect(shop: Self.shop, apiVersion: .default, adminURL: simulator.client.adminURL(Self.shop),
                              accessToken: Self.token, sealedWith: IntegrationEnvironment.tokens)
            _ = try CatalogueSync(store: store, api: InventoryAPI(connection: registry.connectedShops(openedWith: IntegrationEnvironment.tokens)[0], plainHTTPHosts: [], logger: Logger(label: "test"))).run()
        }

        private func snapshot(_ sku: String, _ warehouse: String, _ onHand: Int) -> StockEvent {
            StockEvent(eventID: "\(sku)-\(warehouse)", key: StockKey(sku: sku, warehouse: warehouse), occurredAt: Date(),
                       change: .snapshot(StockQuantities(onHand: onHand, allocated: 0, reserved: 0), version: 1))
        }

        /// The gateway, the workers, and the store's webhooks pointed at the gateway.
        /// The order-worker reads orders back every second, those changed 5 s ago and before.
        static let eagerBackfill = ["ORDER_BACKFILL_SECONDS": "1", "ORDER_BACKFILL_SETTLE_SECONDS": "5"]

        private func startPipeline(orderWorker: Bool = true, duplicateRate: Double = 0, reorderMilliseconds: Int = 0,
                                   deliveryAttempts: Int = 8, topics: [String]? = nil,
                                   orderEnvironment: [String: String] = [:]) throws -> [String: WorkerProcess]
        {
            var processes = [
                "gateway": try startGateway(),
                "push": try WorkerProcess("push-worker", name: "push-worker", environment: ["PUSH_LINGER_MS": "20"]),
                "stock": try WorkerProcess("stock-worker", name: "stock-worker"),
            ]
            if orderWorker { processes["order"] = try startOrderWorker(environment: Self.eagerBackfill.merging(orderEnvironment) { $1 }) }
            try client.subscribe(Self.shop, address: "http://127.0.0.1:\(gatewayPort)/webhooks/shopify", secret: Self.secret,
                                 duplicateRate: duplicateRate, reorderMilliseconds: reorderMilliseconds,
                                 attempts: deliveryAttempts, topics: topics)
            try expectConverged(processes)
            return processes
        }

        private func startGateway(amqpURL: String? = nil, environment: [String: String] = [:]) throws -> WorkerProcess {
            try WorkerProcess("webhook-gateway", name: "webhook-gateway", environment: [
                "WEBHOOK_SECRET": Self.secret, "GATEWAY_PORT": "\(gatewayPort)",
            ].merging(amqpURL.map { ["AMQP_URL": $0] } ?? [:]) { $1 }.merging(environment) { $1 })
        }

        private func startOrderWorker(name: String = "order-worker", batchSize: Int = 50,
                                      environment: [String: String] = [:]) throws -> WorkerProcess {
            try WorkerProcess("order-worker", name: name, environment: [
                "ORDER_BATCH_SIZE": "\(batchSize)", "OUTBOX_POLL_MS": "50",
            ].merging(environment) { $1 })
        }

        /// Shopify shows every level's ATS, nothing is due or in flight, no units are held back.
        private func expectConverged(_ processes: [String: WorkerProcess], _ comment: String = "") throws {
            var last: [String] = []
            let converged = try IntegrationEnvironment.eventually(timeout: .seconds(60), every: .milliseconds(200)) {
                last = try differences()
                return last.isEmpty
            }
            #expect(converged, "\(comment) \(last)\n\(processes.values.map(\.log).joined().suffix(4_000))")
        }

        private func differences() throws -> [String] {
            let ats = try database.query("SELECT sku, location, available, version > pushed_version FROM available_to_sell WHERE shop = $1",
                                         [.string(Self.shop)])
            var want: [String: Int] = [:]
            var differences: [String] = []
            for row in 0..<ats.count {
                let (sku, location, available, due) = try ats.decode(row, as: (String, String, Int, Bool).self)
                want["\(sku)@\(location)"] = available
                if due { differences.append("\(sku)@\(location) due") }
            }
            for level in try client.levels(Self.shop) where want["\(level.sku!)@\(level.locationId)"] != nil {
                let key = "\(level.sku!)@\(level.locationId)"
                if want[key] != level.available { differences.append("\(key): Shopify \(level.available), ATS \(want[key]!)") }
            }
            let queued = try IntegrationEnvironment.broker().status(of: QueueTopology.orderPlaced).messageCount
            if queued > 0 { differences.append("\(queued) order messages queued") }
            let held = try database.query("SELECT count(*) FROM shopify_levels WHERE unreserved_sold > 0").decode(0, as: Int.self)
            if held > 0 { differences.append("\(held) levels hold units back") }
            return differences
        }

        private func ats(_ sku: String, _ location: String) throws -> Int? {
            try database.query("SELECT available FROM available_to_sell WHERE shop = $1 AND sku = $2 AND location = $3",
                               [.string(Self.shop), .string(sku), .string(location)]).decode(0, as: Int?.self)
        }

        private func shopify(_ sku: String, _ location: String) throws -> Int? {
            try client.levels(Self.shop).first { $0.sku == sku && $0.locationId == location }?.available
        }

        /// "order:warehouse=reserved(+backordered)/fulfilled" for every reservation row.
        private func reservations() throws -> Set<String> {
            let rows = try database.query("SELECT order_id, warehouse, reserved, backordered, fulfilled FROM order_reservations")
            return Set(try (0..<rows.count).map { row in
                let (order, warehouse, reserved, backordered, fulfilled) =
                    try rows.decode(row, as: (String, String, Int, Int, Int).self)
                return "\(order):\(warehouse)=\(reserved)+\(backordered)/\(fulfilled)"
            })
        }

        /// Every level's order reservations equal the sum of its open reservation rows.
        private func expectLevelsCarryReservations() throws {
            let mismatched = try database.query("""
                SELECT count(*) FROM stock_levels s LEFT JOIN (
                    SELECT sku, warehouse, sum(reserved) AS held FROM order_reservations GROUP BY sku, warehouse) r
                USING (sku, warehouse) WHERE s.order_reserved <> coalesce(r.held, 0)
                """).decode(0, as: Int.self)
            #expect(mismatched == 0)
        }

        /// The reservation events on `erp-reservations`, by message id (a relay may repeat one).
        private func erpEvents(count: Int) throws -> [String: [String: Any]] {
            let broker = try IntegrationEnvironment.broker("erp")
            var events: [String: [String: Any]] = [:]
            _ = try IntegrationEnvironment.eventually(timeout: .seconds(20), every: .milliseconds(100)) {
                while let delivery = try broker.get(QueueTopology.erpReservations) {
                    events[delivery.messageID!] = try JSONSerialization.jsonObject(with: Data(delivery.body)) as? [String: Any]
                }
                return events.count >= count
            }
            return events
        }

        private func publishStock(_ messages: [String]) throws {
            try IntegrationEnvironment.broker().publish(messages.map {
                OutgoingMessage(routingKey: QueueTopology.stockChanged, body: Array($0.utf8))
            })
        }

        private static func fulfilment(id: String, order: Int, line: String, warehouse: String, quantity: Int) -> String {
            #"{"schema":"stock-changed/1","kind":"fulfilment","event_id":"\#(id)","sku":"TEE","warehouse":"\#(warehouse)","occurred_at":"2026-11-28T09:00:00Z","shop":"\#(shop)","order_id":"\#(order)","line_id":"\#(line)","quantity":\#(quantity)}"#
        }

        @Test("orders become reservations once, split by priority, whatever the duplicates and reordering; pushes keep Shopify's deductions; cancellation releases")
        func ordersToReservations() throws {
            let processes = try startPipeline(duplicateRate: 0.5, reorderMilliseconds: 300)
            #expect(try shopify("TEE", Self.east) == 15)

            let first = try client.placeOrder(Self.shop, lines: [("TEE", 3)])
            #expect(try shopify("TEE", Self.east) == 12, "Shopify deducted the order at East")
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(20)) { try reservations() == ["\(first):WH-A=3+0/0"] })
            let second = try client.placeOrder(Self.shop, lines: [("TEE", 4)])
            try expectConverged(processes)
            #expect(try reservations() == ["\(first):WH-A=3+0/0", "\(second):WH-A=2+0/0", "\(second):WH-B=2+0/0"])
            #expect(try ats("TEE", Self.east) == 8)
            try expectLevelsCarryReservations()

            // A receipt at WH-B: the push raises Shopify from what it holds after the orders.
            try publishStock([StockMessages.adjustment(id: "receipt-1", sku: "TEE", warehouse: "WH-B", onHandDelta: 10, version: 2)])
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(20)) { try ats("TEE", Self.east) == 18 })
            try expectConverged(processes)
            #expect(try shopify("TEE", Self.east) == 18)
            // Shopify never showed more than it could sell once an order had been taken.
            let tee = try #require(try client.levels(Self.shop).first { $0.sku == "TEE" }?.inventoryItemId)
            let east = try client.history(Self.shop).filter { $0.locationId == Self.east && $0.inventoryItemId == tee }.map(\.available)
            let firstDeduction = try #require(east.firstIndex(of: 12))
            #expect(east[firstDeduction...].allSatisfy { $0 <= 18 } && !east[firstDeduction...].contains(15), "\(east)")

            try client.cancelOrder(Self.shop, id: second, restock: true)
            try expectConverged(processes)
            #expect(try reservations() == ["\(first):WH-A=3+0/0", "\(second):WH-A=0+0/0", "\(second):WH-B=0+0/0"])
            #expect(try shopify("TEE", Self.east) == 22)
            try expectLevelsCarryReservations()

            let events = try erpEvents(count: 5)
            let summary = Set(events.values.map { "\($0["event"]!) \($0["order_id"]!) \($0["warehouse"]!) \($0["reserved"]!)" })
            #expect(summary == ["created \(first) WH-A 3", "created \(second) WH-A 2", "created \(second) WH-B 2",
                                "released \(second) WH-A 0", "released \(second) WH-B 0"])
            #expect(events.count == 5)
            // Every webhook arrived: the backfill, looking every second, listed every change and read none back.
            let lastChange = Date()
            var backfill: (readBack: Int, listedPast: Bool)?
            let listed = try IntegrationEnvironment.eventually(timeout: .seconds(20)) {
                backfill = try database.query("""
                    SELECT read_back_orders, read_through > to_timestamp($1::float8) FROM order_backfill WHERE shop = $2
                    """, [.string("\(lastChange.timeIntervalSince1970)"), .string(Self.shop)])
                    .decodeAll(as: (Int, Bool).self).first.map { (readBack: $0.0, listedPast: $0.1) }
                return backfill?.listedPast == true
            }
            #expect(listed && backfill?.readBack == 0, "\(String(describing: backfill))\n\(processes["order"]!.log.suffix(3_000))")
        }

        @Test("an edit, a refund with restock, and partial then full fulfilment from the ERP each move the reservation once")
        func editsRefundsAndFulfilment() throws {
            let processes = try startPipeline(duplicateRate: 1)
            let order = try client.placeOrder(Self.shop, lines: [("TEE", 5)])
            try expectConverged(processes)
            #expect(try reservations() == ["\(order):WH-A=5+0/0"])

            try client.editOrder(Self.shop, id: order, lines: [("TEE", 3)], restock: true)
            try expectConverged(processes)
            #expect(try reservations() == ["\(order):WH-A=3+0/0"])
            try client.refundOrder(Self.shop, id: order, lines: [("TEE", 1)], restock: true)
            try expectConverged(processes)
            #expect(try reservations() == ["\(order):WH-A=2+0/0"])
            #expect(try shopify("TEE", Self.east) == 13)

            let line = try #require(try database.query("SELECT line_id FROM order_lines WHERE order_id = $1", [.string("\(order)")])
                .decode(0, as: String?.self) as String?)
            let ship = Self.fulfilment(id: "ship-1", order: order, line: line, warehouse: "WH-A", quantity: 1)
            try publishStock([ship, ship])
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(20)) { try reservations() == ["\(order):WH-A=1+0/1"] })
            try expectConverged(processes)
            #expect(try reservations() == ["\(order):WH-A=1+0/1"])
            #expect(try (database.query("SELECT on_hand FROM stock_levels WHERE sku = 'TEE' AND warehouse = 'WH-A'")
                .decode(0, as: Int?.self) as Int?) == 4)
            try publishStock([Self.fulfilment(id: "ship-2", order: order, line: line, warehouse: "WH-A", quantity: 1)])
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(20)) { try reservations() == ["\(order):WH-A=0+0/2"] })
            try expectConverged(processes)
            #expect(try reservations() == ["\(order):WH-A=0+0/2"])
            #expect(try ats("TEE", Self.east) == 13, "shipping reserved units changes nothing for sale")
            try expectLevelsCarryReservations()
            let kinds = try erpEvents(count: 5).values.map { $0["event"] as! String }.sorted()
            #expect(kinds == ["changed", "changed", "created", "fulfilled", "fulfilled"])
        }

        @Test("while Shopify answers 503 the order-worker holds its batch; SIGTERM then leaves it queued, not committed unplaced")
        func shopifyOutage() throws {
            let processes = try startPipeline(orderWorker: false)
            let order = try client.placeOrder(Self.shop, lines: [("TEE", 2)])
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(30)) {
                try IntegrationEnvironment.broker().status(of: QueueTopology.orderPlaced).messageCount == 1
            })
            try client.setFaults(.init(serverErrorRate: 1))
            let patient = try startOrderWorker(name: "patient-order-worker")
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(30)) {
                patient.log.contains("Shopify unreachable; retrying the lookup")
            }, "\(patient.log)")
            patient.signal(SIGTERM)
            #expect(patient.waitForExit(timeout: .seconds(30)) == 0, "\(patient.log)")
            #expect(try database.query("SELECT count(*) FROM order_incidents").decode(0, as: Int.self) == 0, "no line committed unplaced")
            #expect(try database.query("SELECT count(*) FROM shopify_orders").decode(0, as: Int.self) == 0)
            #expect(try IntegrationEnvironment.broker().status(of: QueueTopology.orderPlaced).messageCount == 1)

            try client.setFaults(.init())
            let worker = try startOrderWorker()
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(30)) {
                try reservations().map { $0.hasPrefix("\(order):") && $0.hasSuffix("=2+0/0") } == [true]
            }, "\(worker.log)")
            #expect(try database.query("SELECT count(*) FROM order_incidents").decode(0, as: Int.self) == 0)
            try expectConverged(processes.merging(["order": worker]) { $1 })
        }

        @Test("lines whose look-up Shopify refused (a token being rotated) are recorded unplaced; the placement sweep reserves them once it answers")
        func refusedLookUpsPlacedLater() throws {
            let processes = try startPipeline(orderWorker: false)
            let order = try client.placeOrder(Self.shop, lines: [("TEE", 2)])
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(30)) {
                try IntegrationEnvironment.broker().status(of: QueueTopology.orderPlaced).messageCount == 1
            })
            let registry = ShopRegistry(connection: database)
            try registry.connect(shop: Self.shop, apiVersion: .default, adminURL: simulator.client.adminURL(Self.shop),
                                 accessToken: "shpat_rotated_away", sealedWith: IntegrationEnvironment.tokens)
            let worker = try WorkerProcess("order-worker", name: "order-worker", environment: [
                "ORDER_PLACEMENT_RETRY_SECONDS": "1", "OUTBOX_POLL_MS": "50",
            ])
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(30)) {
                try database.query("SELECT count(*) FROM order_incidents WHERE kind = 'no_fulfilment_location'")
                    .decode(0, as: Int.self) == 1
            }, "\(worker.log)")
            #expect(try reservations().isEmpty)
            try registry.connect(shop: Self.shop, apiVersion: .default, adminURL: simulator.client.adminURL(Self.shop),
                                 accessToken: Self.token, sealedWith: IntegrationEnvironment.tokens)
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(30)) {
                try reservations().map { $0.hasPrefix("\(order):") && $0.hasSuffix("=2+0/0") } == [true]
            }, "\(worker.log.suffix(3_000))")
            #expect(try database.query("SELECT count(*) FROM order_incidents").decode(0, as: Int.self) == 0, "the incident closed")
            #expect(worker.log.contains("unplaced order lines placed and reserved"))
            try expectConverged(processes.merging(["order": worker]) { $1 }, "Shopify's deduction reached the push side")
        }

        @Test("unknown SKU, unmapped location and stock the ERP lacks are incidents; the order is recorded; a malformed delivery is dead-lettered")
        func incidents() throws {
            let processes = try startPipeline()
            try client.edit(Self.shop, sku: "CAP", location: Self.west, available: 10)  // a merchant, behind stocksync's back
            let ghost = try client.placeOrder(Self.shop, lines: [("GHOST", 1)])
            let mug = try client.placeOrder(Self.shop, lines: [("MUG", 2)])
            let cap = try client.placeOrder(Self.shop, lines: [("CAP", 6)])
            try IntegrationEnvironment.broker().publish([OutgoingMessage(
                routingKey: QueueTopology.orderPlaced, messageID: "broken",
                headers: [("x-shopify-topic", "orders/create"), ("x-shopify-shop-domain", Self.shop), ("x-shopify-event-id", "e-broken")],
                body: Array(#"{"id":1,"updated_at":"2026-11-28T07:00:00Z","line_items":"none"}"#.utf8))])
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(30)) {
                try database.query("SELECT count(*) FROM order_incidents").decode(0, as: Int.self) == 3
            }, "\(processes["order"]!.log.suffix(3_000))")
            let rows = try database.query("SELECT order_id, kind, sku, quantity FROM order_incidents ORDER BY kind")
            #expect(Set(try (0..<rows.count).map { row in
                let (order, kind, sku, quantity) = try rows.decode(row, as: (String, String, String?, Int).self)
                return "\(order) \(kind) \(sku ?? "-") \(quantity)"
            }) == ["\(cap) backorder CAP 3", "\(ghost) unknown_sku GHOST 1", "\(mug) unmapped_location MUG 2"])
            #expect(try database.query("SELECT count(*) FROM shopify_orders").decode(0, as: Int.self) == 3, "every order is recorded")
            #expect(try reservations() == ["\(cap):WH-C=6+3/0"])
            let broker = try IntegrationEnvironment.broker()
            let deadQueue = QueueTopology.deadLetterQueue(for: QueueTopology.orderPlaced)
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(10)) { try broker.status(of: deadQueue).messageCount == 1 })
            let dead = try #require(try broker.get(deadQueue))
            #expect(dead.headers[QueueTopology.DeadLetterHeader.reason] == "order body has the wrong type at `line_items`")
            #expect(try ats("CAP", Self.west) == 0)
        }

        @Test("an order the database refused is dead-lettered with all its headers; fixed and replayed, it becomes its reservation")
        func deadLetteredOrderReplayed() throws {
            let processes = try startPipeline()
            // A rule of the database that refuses the order's reservation (SQLSTATE 23514), as a bad migration might.
            try database.execute(script: "ALTER TABLE order_reservations ADD CONSTRAINT refuse_cap CHECK (sku <> 'CAP')")
            let order = try client.placeOrder(Self.shop, lines: [("CAP", 2)])
            let broker = try IntegrationEnvironment.broker()
            let deadQueue = QueueTopology.deadLetterQueue(for: QueueTopology.orderPlaced)
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(30)) { try broker.status(of: deadQueue).messageCount == 1 },
                    "\(processes["order"]!.log.suffix(3_000))")
            do {
                let inspector = try IntegrationEnvironment.broker("inspector")
                let dead = try #require(try inspector.get(deadQueue))  // back in the queue when `inspector` goes
                #expect(dead.headers[QueueTopology.DeadLetterHeader.reason]?.contains("refuse_cap") == true)
                for header in ["x-shopify-topic", "x-shopify-shop-domain", "x-shopify-event-id", "x-shopify-triggered-at",
                               "x-shopify-webhook-id"] {
                    #expect(dead.headers[header] != nil, "\(header) kept")
                }
            }
            try database.execute(script: "ALTER TABLE order_reservations DROP CONSTRAINT refuse_cap")
            let replay = try WorkerProcess("stocksync", name: "replay",
                                           arguments: ["dead-letters", "replay", "--queue", QueueTopology.orderPlaced])
            #expect(replay.waitForExit(timeout: .seconds(30)) == 0, "\(replay.log)")
            var held: Set<String> = []
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(30)) {
                held = try reservations()
                return held == ["\(order):WH-C=2+0/0"]
            }, "\(held) \(processes["order"]!.log.suffix(3_000))")
            #expect(try IntegrationEnvironment.broker().status(of: deadQueue).messageCount == 0)
        }

        @Test("deliveries refused while RabbitMQ is unreachable are retried by Shopify; SIGKILLed order-workers lose and double nothing")
        func crashesLoseNothing() throws {
            // WH-B can take every order.
            try StockBatchApplier(connection: database).apply([StockEvent(
                eventID: "big", key: StockKey(sku: "TEE", warehouse: "WH-B"), occurredAt: Date(),
                change: .snapshot(StockQuantities(onHand: 1_000, allocated: 0, reserved: 0), version: 2))])
            var processes = try startPipeline(orderWorker: false)
            // A gateway that cannot reach RabbitMQ answers 503, so the store keeps retrying.
            processes["gateway"]!.signal(SIGKILL)
            _ = processes["gateway"]!.waitForExit(timeout: .seconds(5))
            let unreachable = try startGateway(amqpURL: "amqp://guest:guest@127.0.0.1:1/")
            Thread.sleep(forTimeInterval: 1)
            let early = try client.placeOrder(Self.shop, lines: [("TEE", 2)])
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(10)) { try client.stats(Self.shop).webhookAttemptsFailed > 0 },
                    "\(unreachable.log)")
            unreachable.signal(SIGKILL)
            _ = unreachable.waitForExit(timeout: .seconds(5))
            processes["gateway"] = try startGateway()
            var ordered = [early: 2]
            for index in 0..<150 {
                ordered[try client.placeOrder(Self.shop, lines: [("TEE", 1 + index % 3)])] = 1 + index % 3
            }
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(60)) {
                try IntegrationEnvironment.broker().status(of: QueueTopology.orderPlaced).messageCount >= ordered.count
            }, "\((try? client.stats(Self.shop)).map { "\($0)" } ?? "")")
            for round in 0..<3 {
                let worker = try startOrderWorker(name: "order-worker-\(round)", batchSize: 7)
                _ = try IntegrationEnvironment.eventually(timeout: .seconds(20), every: .milliseconds(20)) {
                    try database.query("SELECT count(*) FROM shopify_orders").decode(0, as: Int.self) > (round + 1) * 30
                }
                worker.signal(SIGKILL)
                _ = worker.waitForExit(timeout: .seconds(5))
            }
            processes["order"] = try startOrderWorker()
            try expectConverged(processes)
            let rows = try database.query("SELECT order_id, sum(reserved) FROM order_reservations GROUP BY order_id")
            let reserved = Dictionary(uniqueKeysWithValues: try (0..<rows.count).map { row in
                let (order, units) = try rows.decode(row, as: (String, Int).self)
                return (Int(order)!, units)
            })
            #expect(reserved == ordered)
            try expectLevelsCarryReservations()
            #expect(try ats("TEE", Self.east) == 1_005 - ordered.values.reduce(0, +))
            // One `created` per (line, warehouse) reserved: a line split across WH-A and WH-B has two.
            let rowCount = try database.query("SELECT count(*) FROM order_reservations").decode(0, as: Int.self)
            let created = try erpEvents(count: rowCount).values.filter { $0["event"] as? String == "created" }
                .map { "\($0["order_id"]!)/\($0["line_id"]!)/\($0["warehouse"]!)" }
            #expect(Set(created.map { $0.split(separator: "/")[0] }).count == ordered.count)
            #expect(created.count == Set(created).count, "each reservation announced once")
            #expect(created.count == rowCount)
            #expect(try database.query("SELECT count(*) FROM reservation_outbox").decode(0, as: Int.self) == 0)
        }

        @Test("app/uninstalled stops every call to the shop at once; reinstalled, its catalogue is read again and Shopify shows the ERP's stock; a late retry of the uninstall changes nothing")
        func uninstallThenReinstall() throws {
            let processes = try startPipeline()
            let registry = ShopRegistry(connection: database)
            func connected() throws -> Bool {
                try registry.connectedShops(openedWith: IntegrationEnvironment.tokens).contains { $0.shop == Self.shop }
            }
            let uninstalledAt = Date()
            try client.uninstallApp(Self.shop)
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(20)) { try !connected() },
                    "\(processes["order"]!.log.suffix(3_000))")
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(20)) {
                processes["push"]!.log.contains("no longer connected")
            }, "\(processes["push"]!.log.suffix(3_000))")

            // Uninstalled: the ERP receives stock and a merchant edits a level; nothing reaches Shopify.
            let calls = try client.stats(Self.shop).calls
            try publishStock([StockMessages.adjustment(id: "receipt-1", sku: "TEE", warehouse: "WH-B", onHandDelta: 10, version: 2)])
            try client.edit(Self.shop, sku: "CAP", location: Self.west, available: 7)
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(20)) { try ats("TEE", Self.east) == 25 })
            // Several push rounds and claim looks (1 s): time for a pusher still holding the shop to call it.
            Thread.sleep(forTimeInterval: 3)
            let stats = try client.stats(Self.shop)
            #expect(stats.calls == calls && stats.unauthorized == 0, "\(stats)")

            let token = "shpat_orders_reinstalled"
            try client.installApp(Self.shop, token: token)
            try registry.connect(shop: Self.shop, apiVersion: .default, adminURL: client.adminURL(Self.shop), accessToken: token,
                                 sealedWith: IntegrationEnvironment.tokens)
            try expectConverged(processes, "reinstalled")
            #expect(try shopify("TEE", Self.east) == 25)
            #expect(try shopify("CAP", Self.west) == 3, "the merchant's edit is found by the catalogue read and undone")
            #expect(processes["push"]!.log.contains("catalogue read again"))
            #expect(try registry.catalogueDue(shop: Self.shop) == nil)

            // Shopify retries the uninstall's delivery after the reinstall: the shop stays connected.
            let shopResource = Array(#"{"id":1,"myshopify_domain":"\#(Self.shop)"}"#.utf8)
            let triggeredAt = uninstalledAt.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
            #expect(try deliverSignedWebhook("http://127.0.0.1:\(gatewayPort)/webhooks/shopify", body: shopResource,
                                             topic: "app/uninstalled", shop: Self.shop, secret: Self.secret,
                                             triggeredAt: triggeredAt) == 200)
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(20)) {
                processes["order"]!.log.contains("app/uninstalled recorded before")
            }, "\(processes["order"]!.log.suffix(3_000))")
            #expect(try connected())
            #expect(try client.stats(Self.shop).unauthorized == 0)
        }

        @Test("installed through OAuth with tokens that expire every 30 s: for two minutes two of each worker push and place orders; no push fails, no line is left unplaced, one refresh per expiry")
        func expiringTokensRefreshedOncePerExpiry() throws {
            let clientID = "stocksync-tests"
            try client.setApp(clientID: clientID, clientSecret: Self.secret, accessTokenSeconds: 30)
            let app = ["SHOPIFY_CLIENT_ID": clientID, "SHOPIFY_CLIENT_SECRET": Self.secret, "SHOPIFY_TOKEN_REFRESH_AHEAD_SECONDS": "10"]
            let installing: [String: String] = [
                "SHOPIFY_APP_URL": "http://127.0.0.1:\(gatewayPort)", "SHOPIFY_ADMIN_URL_TEMPLATE": client.baseURL + "/store/{shop}",
            ]
            var processes: [String: WorkerProcess] = ["gateway": try startGateway(environment: app.merging(installing) { $1 })]
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(20)) {
                (try? CurlTransport().get("http://127.0.0.1:\(gatewayPort)/health", headers: []).status) == 200
            })
            let install = try installThroughOAuth(gateway: "http://127.0.0.1:\(gatewayPort)", shop: Self.shop)
            #expect(install.status == 200 && install.visited.count == 3, "\(install) \(processes["gateway"]!.log.suffix(2_000))")
            #expect(install.visited[1].hasPrefix(client.adminURL(Self.shop) + "/admin/oauth/authorize?client_id=\(clientID)&scope="))
            let registry = ShopRegistry(connection: database)
            #expect(try registry.shopsWithExpiringTokens() == [Self.shop])
            #expect(try client.stats(Self.shop).tokenGrants == 1)

            for index in 1...2 {
                processes["push-\(index)"] = try WorkerProcess("push-worker", name: "push-worker-\(index)",
                                                               environment: app.merging(["PUSH_LINGER_MS": "20"]) { $1 })
                processes["order-\(index)"] = try startOrderWorker(name: "order-worker-\(index)", environment: app.merging(Self.eagerBackfill) { $1 })
            }
            processes["stock"] = try WorkerProcess("stock-worker", name: "stock-worker")
            try client.subscribe(Self.shop, address: "http://127.0.0.1:\(gatewayPort)/webhooks/shopify", secret: Self.secret)
            try expectConverged(processes, "installed")

            // Two minutes: a storefront order and an ERP receipt every second, four expiries.
            let started = ContinuousClock.now
            var rounds = 0
            var placed = 0
            var received = 0
            while ContinuousClock.now - started < .seconds(120) {
                if rounds < 12 || rounds % 2 == 0 {
                    _ = try client.placeOrder(Self.shop, lines: [("TEE", 1)])
                    placed += 1
                } else {
                    received += 1
                    try publishStock([StockMessages.adjustment(id: "receipt-\(received)", sku: "TEE", warehouse: "WH-B",
                                                               onHandDelta: 1, version: 1 + received)])
                }
                rounds += 1
                Thread.sleep(forTimeInterval: 1)
            }
            try expectConverged(processes, "after two minutes of expiring tokens")
            let stats = try client.stats(Self.shop)
            let refreshes = try PushStore(connection: database).status().first { $0.shop == Self.shop }!.tokenRefreshes
            print("expiring tokens: \(stats.tokenRefreshes) refreshes in \(ContinuousClock.now - started), \(stats.unauthorized) calls refused with a replaced token")
            #expect(stats.tokenRefreshes == refreshes, "every refresh Shopify granted is the one stored")
            #expect(stats.refreshesOfUsedTokens == 0, "no expiry refreshed twice")
            #expect(stats.expiredTokenRefusals == 0, "every token refreshed before it expired")
            #expect((4...8).contains(refreshes), "one refresh per expiry (every 20 s), not per process: \(refreshes)")
            #expect(try database.query("SELECT count(*) FROM order_lines WHERE location IS NULL").decode(0, as: Int.self) == 0)
            #expect(try database.query("SELECT count(*) FROM order_incidents").decode(0, as: Int.self) == 0)
            let problems = try database.query("SELECT sku || '@' || location || ': ' || problem FROM shopify_levels WHERE problem IS NOT NULL")
                .decodeAll(as: String.self)
            #expect(problems.allSatisfy { $0.hasPrefix("MUG@\(Self.east)") }, "only the fixture's MUG, which Shopify does not stock at East: \(problems)")
            #expect(try database.query("SELECT count(DISTINCT order_id) FROM order_reservations").decode(0, as: Int.self) == placed)
            let logs = processes.values.map(\.log).joined()
            #expect(!logs.contains("stopped pushing shop") && !logs.contains("must be installed on the shop again"), "\(logs.suffix(3_000))")
        }

        @Test("drift found live: a merchant's edit is found through inventory_levels/update and healed within seconds; storefront orders and the pipeline's own pushes are never flagged")
        func merchantEditFoundLive() throws {
            let topics = ["orders/create", "orders/updated", "orders/cancelled", "refunds/create", "app/uninstalled",
                          "inventory_levels/update"]
            var processes = try startPipeline(topics: topics, orderEnvironment: ["DRIFT_SETTLE_SECONDS": "2"])
            processes["reconcile"] = try WorkerProcess("reconcile-worker", name: "reconcile-worker")
            func driftFound(_ sku: String? = nil) throws -> Int {
                try database.query("""
                    SELECT count(*) FROM reconcile_discrepancies d JOIN reconcile_runs r USING (run_id)
                    WHERE r.request_id LIKE 'drift:%' AND d.class = 'drift' AND ($1::text IS NULL OR d.sku = $1)
                    """, [sku.map(PostgresParameter.string) ?? .null]).decode(0, as: Int.self)
            }

            // The pipeline's own pushes and storefront orders change Shopify's levels too: none is drift.
            try publishStock([StockMessages.adjustment(id: "receipt-1", sku: "TEE", warehouse: "WH-B", onHandDelta: 4, version: 2)])
            for _ in 0..<3 { _ = try client.placeOrder(Self.shop, lines: [("TEE", 1)]) }
            try expectConverged(processes, "orders and pushes")
            // Time for any level suspected to be checked (2 s settle, 1 s polls).
            Thread.sleep(forTimeInterval: 6)
            #expect(try driftFound() == 0, "\(processes["reconcile"]!.log.suffix(3_000))")

            // A merchant sets CAP at West to 7 in Shopify's admin; the ERP says 3.
            let edited = ContinuousClock.now
            try client.edit(Self.shop, sku: "CAP", location: Self.west, available: 7)
            let healed = try IntegrationEnvironment.eventually(timeout: .seconds(10), every: .milliseconds(100)) {
                try shopify("CAP", Self.west) == 3
            }
            let seconds = (ContinuousClock.now - edited)
            #expect(healed, "\(processes["order"]!.log.suffix(2_000))\n\(processes["reconcile"]!.log.suffix(3_000))")
            print("drift found live: a merchant's edit found and healed \(seconds) after it was made")
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(5)) { try driftFound("CAP") == 1 }, "recorded as drift")
            try expectConverged(processes, "healed")
            #expect(try driftFound() == 1, "nothing else was drift")
        }

        @Test("`shopify webhooks --repair` subscribes the shop through the Admin API and orders arrive by it; a subscription Shopify drops after a delivery it gave up is listed missing and repaired")
        func webhookSubscriptionsRepaired() throws {
            // Deliveries to Admin API subscriptions are signed with the app's secret; two attempts each.
            try client.setApp(clientID: "stocksync-tests", clientSecret: Self.secret, deliveryAttempts: 2)
            var processes = [
                "gateway": try startGateway(),
                "push": try WorkerProcess("push-worker", name: "push-worker", environment: ["PUSH_LINGER_MS": "20"]),
                "stock": try WorkerProcess("stock-worker", name: "stock-worker"),
                "order": try startOrderWorker(environment: Self.eagerBackfill),
            ]
            try expectConverged(processes)
            let address = "http://127.0.0.1:\(gatewayPort)/webhooks/shopify"
            func webhooks(repair: Bool = false) throws -> (status: Int32?, log: String) {
                let command = try WorkerProcess("stocksync", name: "stocksync-webhooks",
                                                arguments: ["shopify", "webhooks", Self.shop] + (repair ? ["--repair"] : []),
                                                environment: ["WEBHOOK_PUBLIC_URL": address])
                return (command.waitForExit(timeout: .seconds(30)), command.log)
            }
            func reservedOrders() throws -> Int {
                try database.query("SELECT count(DISTINCT order_id) FROM order_reservations").decode(0, as: Int.self)
            }
            let before = try webhooks()
            #expect(before.status == 1 && before.log.contains("6 topics missing"), "\(before.log)")
            let repaired = try webhooks(repair: true)
            #expect(repaired.status == 0 && repaired.log.components(separatedBy: "subscribed now").count == 7, "\(repaired.log)")
            _ = try client.placeOrder(Self.shop, lines: [("TEE", 1)])
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(20)) { try reservedOrders() == 1 },
                    "delivered through the Admin API subscription")

            // The gateway is down: the next order's deliveries fail twice and Shopify drops their subscriptions.
            processes["gateway"]!.signal(SIGKILL)
            _ = processes["gateway"]!.waitForExit(timeout: .seconds(5))
            _ = try client.placeOrder(Self.shop, lines: [("TEE", 1)])
            var dropped = (status: Int32?.none, log: "")
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(20)) {
                dropped = try webhooks()
                return dropped.status == 1
            }, "\(dropped.log)")
            #expect(dropped.log.contains("orders/create") && dropped.log.contains("missing"), "\(dropped.log)")
            processes["gateway"] = try startGateway()
            #expect(try webhooks(repair: true).status == 0)
            #expect(try webhooks().status == 0, "nothing missing after the repair")
            // The order whose webhooks were lost is read back.
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(30)) { try reservedOrders() == 2 })
            try expectConverged(processes, "repaired")
        }

        @Test("compliance webhooks: a bad signature is 401; customers/data_request reports the customer's orders and dead letters on compliance-reports; customers/redact removes their dead letters only; shop/redact erases the shop and releases its reservations")
        func complianceWebhooks() throws {
            let processes = try startPipeline()
            let url = "http://127.0.0.1:\(gatewayPort)/webhooks/shopify"
            let order = try client.placeOrder(Self.shop, lines: [("TEE", 2)])
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(20)) { try reservations().count == 1 })
            // Two orders/create bodies the order-worker cannot read (no line items): dead letters, customer and all.
            for (id, customer, email) in [(9_001, 77, "ana@example.com"), (9_002, 78, "ben@example.com")] {
                let body = Array(#"{"id":\#(id),"email":"\#(email)","customer":{"id":\#(customer),"email":"\#(email)"}}"#.utf8)
                #expect(try deliverSignedWebhook(url, body: body, topic: "orders/create", shop: Self.shop, secret: Self.secret) == 200)
            }
            let broker = try IntegrationEnvironment.broker()
            let deadLetters = QueueTopology.deadLetterQueue(for: QueueTopology.orderPlaced)
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(20)) { try broker.status(of: deadLetters).messageCount == 2 })

            func compliance(_ topic: String, _ json: String, secret: String = Self.secret) throws -> Int {
                try deliverSignedWebhook(url, body: Array(json.utf8), topic: topic, shop: Self.shop, secret: secret)
            }
            let customer = #""customer":{"id":77,"email":"ana@example.com","phone":null}"#
            #expect(try compliance("customers/redact", #"{"shop_id":1,"shop_domain":"\#(Self.shop)",\#(customer),"orders_to_redact":[9001]}"#,
                                   secret: "not-the-secret") == 401)

            #expect(try compliance("customers/data_request", """
                {"shop_id":1,"shop_domain":"\(Self.shop)",\(customer),"orders_requested":[\(order),123],"data_request":{"id":9999}}
                """) == 200)
            var report: Delivery?
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(20)) {
                report = try broker.get(Compliance.reportsQueue)
                return report != nil
            }, "\(processes["order"]!.log.suffix(2_000))")
            let decoded = try JSONDecoder().decode(CustomerDataReport.self, from: Data(try #require(report).body))
            #expect(decoded.customerID == 77 && decoded.dataRequestID == 9999 && decoded.ordersNotHeld == ["123"])
            #expect(decoded.orders.map(\.orderID) == ["\(order)"] && decoded.orders[0].reservations.map(\.reserved).reduce(0, +) == 2)
            #expect(decoded.deadLetters == 1, "the dead letter whose body is about customer 77")

            #expect(try compliance("customers/redact", #"{"shop_id":1,"shop_domain":"\#(Self.shop)",\#(customer),"orders_to_redact":[9001]}"#) == 200)
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(20)) { try broker.status(of: deadLetters).messageCount == 1 })
            let kept = try #require(try broker.get(deadLetters))
            #expect(String(decoding: kept.body, as: UTF8.self).contains("ben@example.com"), "the other customer's dead letter stays, whole")
            #expect(kept.headers["x-shopify-topic"] == "orders/create" && kept.headers[QueueTopology.DeadLetterHeader.reason] != nil)

            let reservedBefore = try database.query("SELECT sum(order_reserved) FROM stock_levels WHERE sku = 'TEE'").decode(0, as: Int.self)
            #expect(try compliance("shop/redact", #"{"shop_id":1,"shop_domain":"\#(Self.shop)"}"#) == 200)
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(20)) {
                try database.query("SELECT count(*) FROM shops WHERE shop = $1", [.string(Self.shop)]).decode(0, as: Int.self) == 0
            }, "\(processes["order"]!.log.suffix(2_000))")
            for table in ["available_to_sell", "warehouse_locations", "shopify_items", "shopify_levels", "shopify_orders", "order_lines",
                          "order_reservations", "order_webhook_events", "reconcile_runs", "order_backfill", "webhook_deliveries"] {
                #expect(try database.query("SELECT count(*) FROM \(table) WHERE shop = $1", [.string(Self.shop)]).decode(0, as: Int.self) == 0,
                        "\(table)")
            }
            #expect(try database.query("SELECT sum(order_reserved) FROM stock_levels WHERE sku = 'TEE'").decode(0, as: Int.self)
                    == reservedBefore - 2, "the shop's reservation released")
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(20)) {
                try broker.status(of: deadLetters).messageCount == 0
            }, "the shop's dead letters erased")
            var released = false
            while let event = try broker.get(QueueTopology.erpReservations) {
                if event.body.contains(Array("\"released\"".utf8)) { released = true }
            }
            #expect(released, "the ERP is told the reservation is released")
        }

        @Test("a level the ERP feeds where Shopify does not stock the item: reported by default; with the shop's policy set to activate, stocked there and pushed")
        func unstockedLevelActivated() throws {
            let processes = try startPipeline()
            // MUG: WH-A (2) feeds East, where Shopify stocked it only at the Pop-up.
            func problems() throws -> [String] {
                try database.query("SELECT sku || '@' || location FROM shopify_levels WHERE problem IS NOT NULL").decodeAll(as: String.self)
            }
            #expect(try problems() == ["MUG@\(Self.east)"])
            #expect(try shopify("MUG", Self.east) == nil)

            // The operator chooses to stock it, and asks for the levels set aside to be tried again.
            let policy = try WorkerProcess("stocksync", name: "stocksync-policy", arguments: ["shop", "policy", Self.shop, "--unstocked", "activate"])
            #expect(policy.waitForExit(timeout: .seconds(30)) == 0, "\(policy.log)")
            let sync = try WorkerProcess("stocksync", name: "stocksync-sync", arguments: ["shopify", "sync", Self.shop])
            #expect(sync.waitForExit(timeout: .seconds(60)) == 0, "\(sync.log)")
            #expect(try IntegrationEnvironment.eventually(timeout: .seconds(20)) { try shopify("MUG", Self.east) == 2 },
                    "\(processes["push"]!.log.suffix(2_000))")
            #expect(try shopify("MUG", Self.popUp) == 5, "the Pop-up's level untouched")
            #expect(try database.query("SELECT count(*) FROM shopify_levels WHERE problem IS NOT NULL").decode(0, as: Int.self) == 0)
            #expect(processes["push"]!.log.contains("items stocked at locations the ERP feeds"))
        }

        @Test("orders whose webhooks Shopify gave up on are read back: each reserved, or released, as its final state says, once")
        func missedOrdersReadBack() throws {
            // WH-B can take every order.
            try StockBatchApplier(connection: database).apply([StockEvent(
                eventID: "big", key: StockKey(sku: "TEE", warehouse: "WH-B"), occurredAt: Date(),
                change: .snapshot(StockQuantities(onHand: 1_000, allocated: 0, reserved: 0), version: 2))])
            // Shopify tries each delivery once: its retry window is over the moment a delivery fails.
            var processes = try startPipeline(orderWorker: false, deliveryAttempts: 1)
            processes["order"] = try startOrderWorker(environment: ["ORDER_BACKFILL_SECONDS": "1", "ORDER_BACKFILL_SETTLE_SECONDS": "1"])
            var expected: [Int: Int] = [:]
            /// Orders placed, some edited down to one unit, some cancelled (restocked).
            func shop(_ count: Int, from first: Int) throws {
                for index in first..<first + count {
                    let units = 1 + index % 3
                    let id = try client.placeOrder(Self.shop, lines: [("TEE", units)])
                    expected[id] = units
                    if index % 5 == 1 {
                        // Not restocked: no order resource says an edit put units back (RELIABILITY.md,
                        // "Phantom 'sold but not reserved' units").
                        try client.editOrder(Self.shop, id: id, lines: [("TEE", 1)], restock: false)
                        expected[id] = 1
                    }
                    if index % 7 == 3 {
                        try client.cancelOrder(Self.shop, id: id, restock: true)
                        expected[id] = 0
                    }
                }
            }
            // The push side waits until the orders are in: while orders are in flight, a push
            // that meets a cancelled order's deduction and restock folded together can take
            // another order's held-back units for its own (RELIABILITY.md, "Phantom 'sold but not
            // reserved' units").
            processes["push"]!.signal(SIGTERM)
            _ = processes["push"]!.waitForExit(timeout: .seconds(10))
            processes["gateway"]!.signal(SIGKILL)
            _ = processes["gateway"]!.waitForExit(timeout: .seconds(5))
            func reserved() throws -> [Int: Int] {
                let rows = try database.query("SELECT order_id, sum(reserved) FROM order_reservations GROUP BY order_id")
                return Dictionary(uniqueKeysWithValues: try (0..<rows.count).map { row in
                    let (order, units) = try rows.decode(row, as: (String, Int).self)
                    return (Int(order)!, units)
                })
            }
            var wrong: [Int: Int] = [:]
            func expectReserved(_ comment: String) throws {
                let settled = try IntegrationEnvironment.eventually(timeout: .seconds(60), every: .milliseconds(100)) {
                    let now = try reserved()
                    wrong = expected.filter { now[$0.key, default: 0] != $0.value }
                    return wrong.isEmpty
                }
                #expect(settled, "\(comment): \(wrong.count) orders not reserved as they stand\n\(processes["order"]!.log.suffix(3_000))")
            }
            /// `stocksync shopify status --json` of the shop.
            func status() throws -> [String: Any] {
                let command = try WorkerProcess("stocksync", name: "stocksync-status", arguments: ["shopify", "status", "--json"])
                _ = command.waitForExit(timeout: .seconds(30))
                let json = try JSONSerialization.jsonObject(with: Data(command.log.drop { $0 != "[" }.utf8)) as? [[String: Any]]
                return try #require(json?.first { $0["shop"] as? String == Self.shop })
            }

            try shop(100, from: 0)
            try expectReserved("the gateway down")
            let lost = try status()
            #expect((lost["webhooks_missing"] as? NSNumber)?.boolValue == true, "\(lost)")
            #expect((lost["orders_read_back"] as? Int ?? 0) >= 100 && lost["last_webhook_at"] == nil, "\(lost)")
            processes["gateway"] = try startGateway()
            // Back up: these arrive as webhooks, and may be read back too.
            try shop(100, from: 100)
            let lastChange = ContinuousClock.now
            try expectReserved("the gateway back")
            #expect(try status()["last_webhook_at"] is String)
            let stats = try client.stats(Self.shop)
            #expect(stats.webhooksAbandoned >= 100, "\(stats)")
            print("missed orders: \(stats.webhooksAbandoned) deliveries abandoned; every order reserved as its final state says \(ContinuousClock.now - lastChange) after the last change (the gateway back)")
            processes["push"] = try WorkerProcess("push-worker", name: "push-worker-after", environment: ["PUSH_LINGER_MS": "20"])
            try expectConverged(processes)
            try expectLevelsCarryReservations()
            #expect(try ats("TEE", Self.east) == 1_005 - expected.values.reduce(0, +))
            // One `created` per (line, warehouse) reserved, whether read back, delivered, or both.
            let rowCount = try database.query("SELECT count(*) FROM order_reservations").decode(0, as: Int.self)
            let created = try erpEvents(count: rowCount).values.filter { $0["event"] as? String == "created" }
                .map { "\($0["order_id"]!)/\($0["line_id"]!)/\($0["warehouse"]!)" }
            #expect(created.count == Set(created).count, "each reservation announced once")
            #expect(created.count == rowCount)
            #expect(processes["order"]!.log.contains("orders read back from Shopify"))
        }
    }
}
