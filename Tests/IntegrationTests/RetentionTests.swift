import Foundation
import StockSyncDomain
import StockSyncPostgres
import StockSyncRuntime
import StockSyncStore
import StockSyncWorkers
import Testing

/// What retention removes and keeps, against a real PostgreSQL; rows are aged by setting
/// their timestamps back.
extension IntegrationTests {
    @Suite("Retention (PostgreSQL)")
    struct RetentionTests {
        static let shop = "retained.myshopify.com"
        let database: PostgresConnection

        init() throws {
            try IntegrationEnvironment.reset()
            database = try IntegrationEnvironment.database()
            try ShopConfiguration(connection: database).upsertShop(Self.shop, defaultSafetyBuffer: 0)
            try ShopConfiguration(connection: database).map(shop: Self.shop, warehouse: "WH", location: "gid://shopify/Location/1")
        }

        private func count(_ sql: String) throws -> Int {
            try database.query(sql).decode(0, as: Int.self)
        }

        private func strings(_ sql: String) throws -> Set<String> {
            let values: [String] = try database.query(sql).decodeAll(as: String.self)
            return Set(values)
        }

        private func seedAgedRows() throws {
            try database.execute(script: """
                INSERT INTO stock_levels (sku, warehouse, on_hand, allocated, reserved, snapshot_version) VALUES ('A', 'WH', 10, 0, 0, 5);
                INSERT INTO stock_adjustments (event_id, sku, warehouse, version, on_hand_delta, allocated_delta, reserved_delta, occurred_at, applied_at) VALUES
                    ('included-old', 'A', 'WH', 3, 1, 0, 0, now(), now() - interval '40 days'),
                    ('ahead-old', 'A', 'WH', 7, 1, 0, 0, now(), now() - interval '40 days'),
                    ('unsequenced-old', 'A', 'WH', NULL, 1, 0, 0, now(), now() - interval '40 days'),
                    ('included-new', 'A', 'WH', 2, 1, 0, 0, now(), now() - interval '2 days');
                INSERT INTO order_webhook_events (event_id, shop, order_id, topic, received_at) VALUES
                    ('event-old', 'retained.myshopify.com', '1', 'orders/create', now() - interval '31 days'),
                    ('event-new', 'retained.myshopify.com', '1', 'orders/create', now() - interval '1 day');
                INSERT INTO shopify_orders (shop, order_id, updated_at, touched_at) VALUES
                    ('retained.myshopify.com', 'closed-old', now(), now() - interval '100 days'),
                    ('retained.myshopify.com', 'open-old', now(), now() - interval '100 days'),
                    ('retained.myshopify.com', 'closed-new', now(), now() - interval '10 days');
                INSERT INTO order_lines (shop, order_id, line_id, sku, location, state_quantity) VALUES
                    ('retained.myshopify.com', 'closed-old', 'L1', 'A', 'gid://shopify/Location/1', 2),
                    ('retained.myshopify.com', 'open-old', 'L1', 'A', 'gid://shopify/Location/1', 1),
                    ('retained.myshopify.com', 'closed-new', 'L1', 'A', 'gid://shopify/Location/1', 1);
                INSERT INTO order_reservations (shop, order_id, line_id, warehouse, sku, reserved, fulfilled) VALUES
                    ('retained.myshopify.com', 'closed-old', 'L1', 'WH', 'A', 0, 2),
                    ('retained.myshopify.com', 'open-old', 'L1', 'WH', 'A', 1, 0),
                    ('retained.myshopify.com', 'closed-new', 'L1', 'WH', 'A', 0, 1);
                INSERT INTO order_incidents (shop, order_id, line_id, kind, detail) VALUES
                    ('retained.myshopify.com', 'closed-old', 'L1', 'backorder', 'old');
                INSERT INTO reconcile_runs (request_id, shop, mode, status, started_at, finished_at) VALUES
                    ('run-oldest', 'retained.myshopify.com', 'report', 'done', now() - interval '100 days', now() - interval '100 days'),
                    ('run-old-newest', 'retained.myshopify.com', 'report', 'done', now() - interval '95 days', now() - interval '95 days');
                INSERT INTO reconcile_discrepancies (run_id, sku, class)
                    SELECT run_id, 'A', 'drift' FROM reconcile_runs WHERE request_id = 'run-oldest';
                """)
        }

        @Test("only what is no longer needed goes: adjustments a snapshot includes, old event ids, closed untouched orders, runs but each shop's newest")
        func pruneKeepsWhatIsNeeded() throws {
            try seedAgedRows()
            let policy = try RetentionPolicy(environment: Environment([:]))
            let before = try policy.status(of: database)
            #expect(before.map(\.removable) == [2, 1, 1, 1], "\(before)")
            #expect(before.map(\.rows) == [4, 2, 3, 2])

            let removed = try policy.prune(database)
            #expect(removed == ["stock_adjustments": 2, "order_webhook_events": 1, "shopify_orders": 1, "reconcile_runs": 1])
            let adjustments = try strings("SELECT event_id FROM stock_adjustments")
            #expect(adjustments == ["ahead-old", "included-new"], "a version no snapshot includes yet is kept, however old")
            #expect(try count("SELECT count(*) FROM order_webhook_events WHERE event_id = 'event-new'") == 1)
            let archived = try strings("SELECT order_id FROM shopify_orders WHERE archived")
            #expect(archived == ["closed-old"])
            #expect(try count("SELECT count(*) FROM order_lines WHERE order_id = 'closed-old'") == 0)
            #expect(try count("SELECT count(*) FROM order_reservations WHERE order_id = 'closed-old'") == 0)
            #expect(try count("SELECT count(*) FROM order_incidents") == 0)
            #expect(try count("SELECT count(*) FROM order_reservations WHERE order_id <> 'closed-old'") == 2)
            #expect(try strings("SELECT request_id FROM reconcile_runs") == ["run-old-newest"])
            #expect(try count("SELECT count(*) FROM reconcile_discrepancies") == 0)
            #expect(try policy.status(of: database).map(\.removable) == [0, 0, 0, 0])
        }

        @Test("a late delivery for an archived order changes nothing: its lines are not reserved again")
        func archivedOrdersIgnoreDeliveries() throws {
            try seedAgedRows()
            _ = try RetentionPolicy(environment: Environment([:])).prune(database)
            let body = Array(#"{"id":"closed-old","updated_at":"2027-01-01T00:00:00Z","line_items":[{"id":"L1","sku":"A","quantity":2}]}"#.utf8)
            let message = try OrderMessage.decode(headers: [
                "x-shopify-event-id": "late", "x-shopify-shop-domain": Self.shop, "x-shopify-topic": "orders/updated",
            ], body: body)
            let outcome = try OrderBatchApplier(connection: database).apply([message], placements: [
                OrderKey(shop: Self.shop, orderID: "closed-old"): ["L1": LinePlacement(location: "gid://shopify/Location/1", sku: "A")],
            ])
            #expect(outcome.archived == 1)
            #expect(try count("SELECT count(*) FROM order_reservations WHERE order_id = 'closed-old'") == 0)
            #expect(try count("SELECT count(*) FROM order_lines WHERE order_id = 'closed-old'") == 0)
            #expect(try count("SELECT order_reserved FROM stock_levels WHERE sku = 'A'") == 0)
        }

        @Test("`stocksync retention` shows each table; --prune removes what is due")
        func command() throws {
            try seedAgedRows()
            let status = try WorkerProcess("stocksync", name: "retention", arguments: ["retention"])
            #expect(status.waitForExit(timeout: .seconds(30)) == 0, "\(status.log)")
            #expect(status.log.contains("stock_adjustments") && status.log.contains("REMOVABLE"), "\(status.log)")
            let prune = try WorkerProcess("stocksync", name: "retention-prune", arguments: ["retention", "--prune"])
            #expect(prune.waitForExit(timeout: .seconds(30)) == 0, "\(prune.log)")
            #expect(prune.log.contains("stock_adjustments: 2 removed"), "\(prune.log)")
            let bad = try WorkerProcess("stocksync", name: "retention-bad", arguments: ["retention"],
                                        environment: ["RETAIN_WEBHOOK_EVENTS_DAYS": "1"])
            #expect(bad.waitForExit(timeout: .seconds(30)) != 0)
            #expect(bad.log.contains("RETAIN_WEBHOOK_EVENTS_DAYS"), "\(bad.log)")
        }
    }
}
