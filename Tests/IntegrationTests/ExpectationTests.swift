import Foundation
import StockSyncDomain
import StockSyncPostgres
import StockSyncStore
import Testing

/// What stocksync expects each Shopify level to hold, against snapshots that take minutes
/// and hold-backs no order claims; against a real PostgreSQL.
extension IntegrationTests {
    @Suite("Level expectations (PostgreSQL)")
    struct ExpectationTests {
        static let shop = "expect.myshopify.com"
        let database: PostgresConnection
        var store: PushStore { PushStore(connection: database) }

        init() throws {
            try IntegrationEnvironment.reset()
            database = try IntegrationEnvironment.database()
            try database.execute(script: """
                INSERT INTO available_to_sell (shop, sku, location, available, version, pushed_version)
                VALUES ('expect.myshopify.com', 'TEE', 'L1', 5, 3, 3);
                """)
        }

        private func level() throws -> (expected: Int?, unreservedSold: Int) {
            try database.query("SELECT expected, unreserved_sold FROM shopify_levels WHERE shop = $1 AND sku = 'TEE'",
                               [.string(Self.shop)]).decode(0, as: (Int?, Int).self)
        }

        @Test("a snapshot begun before a push was confirmed does not overwrite what the push set; one begun after does")
        func snapshotsNeverOverwriteLaterExpectations() throws {
            let snapshotBegan = Date().timeIntervalSince1970 - 60  // a bulk read, a minute long
            try store.confirm(shop: Self.shop, [("TEE", "L1", 5, 3)], idempotencyKey: nil)  // pushed 10 → 5 meanwhile
            try store.recordObserved(shop: Self.shop, [.init(sku: "TEE", location: "L1", available: 10)], takenAt: snapshotBegan)
            #expect(try level() == (5, 0), "pushed against 10, the next push would be refused and 5 units booked as sold")
            try database.transaction { connection in
                try StockStore(connection: connection).lock(skus: ["TEE"])
                try PushStore(connection: connection).resetExpectations(
                    shop: Self.shop, [(LevelKey(sku: "TEE", location: "L1"), 10)], takenAt: snapshotBegan)
            }
            #expect(try level() == (5, 0), "a heal from that snapshot neither")
            try store.recordObserved(shop: Self.shop, [.init(sku: "TEE", location: "L1", available: 4)],
                                     takenAt: Date().timeIntervalSince1970 + 1)
            #expect(try level() == (4, 1), "a read begun after the push is what Shopify holds: 1 unit sold")
        }

        @Test("units held back longer than the grace period are released by the reconcile run, in report mode too, and the level made due")
        func expiredHoldBacksReleased() throws {
            try store.confirm(shop: Self.shop, [("TEE", "L1", 5, 3)], idempotencyKey: nil)
            try database.execute(script: """
                UPDATE shopify_levels SET unreserved_sold = 3, unreserved_since = now() - interval '1 hour';
                INSERT INTO reconcile_runs (request_id, shop, mode) VALUES ('r1', 'expect.myshopify.com', 'report');
                """)
            let run = try database.query("SELECT run_id FROM reconcile_runs").decode(0, as: Int.self)
            let outcome = try ReconcileStore(connection: database, holdBackGrace: .seconds(900))
                .finish(run: run, shop: Self.shop, findings: [], heal: false, levelsCompared: 1, unsettled: 0)
            #expect(outcome.released == 1)
            #expect(try level() == (5, 0))
            #expect(try database.query("SELECT count(*) FROM available_to_sell WHERE version > pushed_version").decode(0, as: Int.self) == 1)
            #expect(try database.query("SELECT released FROM reconcile_runs").decode(0, as: Int.self) == 1)
            // A hold-back within the grace period is an order on its way: kept.
            try database.execute(script: """
                UPDATE shopify_levels SET unreserved_sold = 2, unreserved_since = now() - interval '1 minute';
                INSERT INTO reconcile_runs (request_id, shop, mode) VALUES ('r2', 'expect.myshopify.com', 'report');
                """)
            let second = try database.query("SELECT max(run_id) FROM reconcile_runs").decode(0, as: Int.self)
            #expect(try ReconcileStore(connection: database, holdBackGrace: .seconds(900))
                .finish(run: second, shop: Self.shop, findings: [], heal: false, levelsCompared: 1, unsettled: 0).released == 0)
            #expect(try level() == (5, 2))
        }
    }
}
