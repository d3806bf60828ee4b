import StockSyncDomain
import StockSyncPostgres
/// Reconciliation runs and their findings, and what Shopify showed during a run (in a
/// temporary table of this connection's session).
package struct ReconcileStore {
    package let connection: PostgresConnection

    /// - Parameter holdBackGrace: how long units held back as sold may wait for their order
    ///   before they count as drift.
    package init(connection: PostgresConnection, holdBackGrace: Duration = .seconds(900)) {
        self.connection = connection
        self.holdBackGrace = holdBackGrace
    }

    // MARK: Requests waiting to run

    /// Records a request as a queued run; false if its request id was recorded before (a
    /// redelivery, or a second copy of it), which runs once all the same.
    package func accept(_ request: ReconcileRequest) throws(PostgresError) -> Bool {
        try connection.query("""
            INSERT INTO reconcile_runs (request_id, shop, mode, skus, status) VALUES ($1, $2, $3, $4::text[], 'queued')
            ON CONFLICT (request_id) DO NOTHING RETURNING run_id
            """, [.string(request.requestID), .string(request.shop), .string(request.mode.rawValue),
                  request.skus.map(PostgresParameter.strings) ?? .null]).count == 1
    }

    /// Shops with a run not finished and not waiting to be tried again, the one waiting
    /// longest first. A run still `running` may have lost its runner: its shop's lock
    /// (`tryLock`) tells.
    package func shopsWithPendingRuns() throws(PostgresError) -> [String] {
        try connection.query("""
            SELECT shop FROM reconcile_runs \(Self.pending) GROUP BY shop ORDER BY min(run_id)
            """).decodeAll(as: String.self)
    }

    private static let pending = "WHERE status IN ('queued', 'running') AND (not_before IS NULL OR not_before <= now())"

    /// Tries a run gets, failing for passing reasons, before it is recorded as failed: the
    /// waits between them double from 30 s, so the last comes about two hours after the first.
    package static let maximumAttempts = 8

    /// Holds the shop for this session if no other session does: its runs are this one's to run.
    package func tryLock(shop: String) throws(PostgresError) -> Bool {
        try AdvisoryLock.reconcileShop.trySessionLock(shop, on: connection)
    }

    /// The shop's oldest run not finished, to run while holding its lock: queued, or left
    /// `running` by a runner that died (a live one would hold the lock).
    package func nextPendingRun(shop: String) throws(PostgresError) -> (run: Int, request: ReconcileRequest)? {
        let rows = try connection.query("""
            SELECT run_id, request_id, mode, skus IS NOT NULL FROM reconcile_runs
            \(Self.pending) AND shop = $1 ORDER BY run_id LIMIT 1
            """, [.string(shop)])
        guard rows.count == 1 else { return nil }
        let (run, requestID, mode, hasSKUs) = try rows.decode(0, as: (Int, String, ReconcileRequest.Mode, Bool).self)
        let skus = hasSKUs ? try connection.query("""
            SELECT u.sku FROM reconcile_runs, unnest(skus) WITH ORDINALITY AS u(sku, n) WHERE run_id = $1 ORDER BY u.n
            """, [.int(run)]).decodeAll(as: String.self) : nil
        return (run, ReconcileRequest(requestID: requestID, shop: shop, mode: mode, skus: skus))
    }

    /// Puts a run that failed for a passing reason back in the queue, to wait 30 s × 2^attempts
    /// (at most 30 minutes) first; after `maximumAttempts` it is recorded as failed.
    package func requeue(run: Int, error: String) throws(PostgresError) {
        try connection.query("""
            UPDATE reconcile_runs
            SET attempts = attempts + 1, error = $2,
                status = CASE WHEN attempts + 1 >= $3 THEN 'failed' ELSE 'queued' END,
                finished_at = CASE WHEN attempts + 1 >= $3 THEN now() END,
                not_before = now() + make_interval(secs => least(1800, 30 * 2 ^ attempts))
            WHERE run_id = $1 AND status = 'running'
            """, [.int(run), .string(error), .int(Self.maximumAttempts)])
    }

    package func unlock(shop: String) throws(PostgresError) {
        try AdvisoryLock.reconcileShop.releaseSessionLock(shop, on: connection)
    }

    package enum Start: Sendable, Equatable {
        /// Run it (again, if an earlier attempt died before finishing).
        case run(Int)
        /// This request already ran to the end.
        case finished(Int)
    }

    package func begin(_ request: ReconcileRequest) throws(PostgresError) -> Start {
        let rows = try connection.query("""
            INSERT INTO reconcile_runs (request_id, shop, mode, skus) VALUES ($1, $2, $3, $4::text[])
            ON CONFLICT (request_id) DO UPDATE
            SET started_at = CASE WHEN reconcile_runs.status = 'done' THEN reconcile_runs.started_at ELSE now() END,
                status = CASE WHEN reconcile_runs.status = 'done' THEN 'done' ELSE 'running' END
            RETURNING run_id, status
            """, [.string(request.requestID), .string(request.shop), .string(request.mode.rawValue),
                  request.skus.map(PostgresParameter.strings) ?? .null])
        let (run, status) = try rows.decode(0, as: (Int, String?).self)
        return status == "done" ? .finished(run) : .run(run)
    }

    /// Empties (creating if need be) this session's table of what Shopify showed. Its keys
    /// compare as bytes, like every key column (migration 0005): joined with a column of
    /// another collation, neither side's order or index serves the join.
    package func resetSnapshot() throws(PostgresError) {
        try connection.execute(script: """
            CREATE TEMP TABLE IF NOT EXISTS shopify_snapshot (
                item_id text COLLATE "C" NOT NULL, sku text COLLATE "C", location text COLLATE "C", available bigint);
            TRUNCATE shopify_snapshot;
            """)
    }

    /// Loads Shopify's lines into the snapshot with COPY, as they are read.
    package func loadSnapshot(_ read: ((BulkInventoryLine) throws -> Void) throws -> Void) throws -> (items: Int, levels: Int) {
        var counts = (items: 0, levels: 0)
        try connection.copy("COPY shopify_snapshot (item_id, sku, location, available) FROM STDIN") { writer in
            try read { line in
                switch line {
                case .item(let id, let sku):
                    counts.items += 1
                    try writer.row(id, sku, nil, nil)
                case .level(let item, let location, let available):
                    counts.levels += 1
                    try writer.row(item, nil, location, String(available))
                }
            }
        }
        try connection.execute(script: "ANALYZE shopify_snapshot")
        return counts
    }

    package struct Finding: Sendable, Equatable, Codable {
        package var sku: String
        package var location: String
        package var kind: DiscrepancyClass
        package var shopifyAvailable: Int?
        package var expected: Int?

        package init(sku: String, location: String, kind: DiscrepancyClass, shopifyAvailable: Int?, expected: Int?) {
            self.sku = sku
            self.location = location
            self.kind = kind
            self.shopifyAvailable = shopifyAvailable
            self.expected = expected
        }
    }

    /// A level whose push is due or in flight: judged only once it settles.
    package struct BusyLevel: Sendable, Hashable {
        package var sku: String
        package var location: String
        package var inventoryItemID: String
    }

    package struct Comparison: Sendable {
        package var findings: [Finding] = []
        package var levelsCompared = 0
        package var busy: [BusyLevel] = []
    }

    /// What the ERP says each Shopify level should show: its ATS. Busy (judged only once it
    /// settles): a push of the level is due or in flight, or units sold on Shopify are held
    /// back waiting for their order to reach the ERP, for less than the grace period. Units
    /// held back longer are no order in flight: they show as drift.
    private static let erpLevels = """
        SELECT a.sku, a.location, a.available AS expected,
               (a.due
                -- No push record (x is NULL) is not busy: without coalesce the whole test is NULL.
                OR coalesce(x.unreserved_sold > 0 AND x.unreserved_since > now() - make_interval(secs => $3), false)
                OR EXISTS (
                   SELECT 1 FROM shopify_push_intents i, jsonb_array_elements(i.quantities) q
                   WHERE i.shop = a.shop AND q->>'sku' = a.sku AND q->>'location' = a.location)) AS busy
        FROM available_to_sell a
        LEFT JOIN shopify_levels x ON x.shop = a.shop AND x.sku = a.sku AND x.location = a.location
        WHERE a.shop = $1 AND ($2::text[] IS NULL OR a.sku = ANY($2::text[]))
        """

    package let holdBackGrace: Duration

    /// Compares the snapshot with the ERP, set-based, and classifies every difference.
    package func compare(shop: String, skus: [String]?) throws(PostgresError) -> Comparison {
        let parameters: [PostgresParameter] = [.string(shop), skus.map(PostgresParameter.strings) ?? .null,
                                               .int(Int(holdBackGrace.components.seconds))]
        try connection.execute(script: """
            DROP TABLE IF EXISTS snapshot_items;
            CREATE TEMP TABLE snapshot_items AS
                SELECT DISTINCT ON (sku) sku, item_id FROM shopify_snapshot
                WHERE location IS NULL AND sku IS NOT NULL AND sku <> '' ORDER BY sku, item_id;
            DROP TABLE IF EXISTS snapshot_levels;
            CREATE TEMP TABLE snapshot_levels AS
                SELECT i.sku, i.item_id, l.location, l.available
                FROM shopify_snapshot l JOIN snapshot_items i ON i.item_id = l.item_id WHERE l.location IS NOT NULL;
            ANALYZE snapshot_items; ANALYZE snapshot_levels;
            """)
        var comparison = Comparison()
        let rows = try connection.query("""
            WITH erp AS (\(Self.erpLevels))
            SELECT 'drift', e.sku, e.location, l.available, e.expected, e.busy, l.item_id
            FROM erp e JOIN snapshot_levels l ON l.sku = e.sku AND l.location = e.location
            WHERE e.busy OR l.available <> e.expected
            UNION ALL
            SELECT 'missing_in_shopify', e.sku, e.location, NULL, e.expected, false, ''
            FROM erp e JOIN snapshot_items i ON i.sku = e.sku
            WHERE NOT EXISTS (SELECT 1 FROM snapshot_levels l WHERE l.sku = e.sku AND l.location = e.location)
            UNION ALL
            SELECT DISTINCT 'unmapped', e.sku, '', NULL::bigint, NULL::bigint, false, ''
            FROM erp e WHERE NOT EXISTS (SELECT 1 FROM snapshot_items i WHERE i.sku = e.sku)
            UNION ALL
            SELECT 'unknown_to_erp', coalesce(nullif(s.sku, ''), s.item_id), '', NULL, NULL, false, ''
            FROM shopify_snapshot s
            WHERE s.location IS NULL AND ($2::text[] IS NULL OR s.sku = ANY($2::text[]))
              AND NOT EXISTS (SELECT 1 FROM available_to_sell a WHERE a.shop = $1 AND a.sku = s.sku)
              AND NOT EXISTS (SELECT 1 FROM stock_levels k WHERE k.sku = s.sku)
            """, parameters)
        var seen: Set<String> = []
        for row in 0..<rows.count {
            let (kindName, sku, location, shopifyAvailable, expected, busy, itemID) =
                try rows.decode(row, as: (String, String, String, Int?, Int?, Bool, String).self)
            let kind = DiscrepancyClass(rawValue: kindName)!
            if busy {
                comparison.busy.append(BusyLevel(sku: sku, location: location, inventoryItemID: itemID))
                continue
            }
            // One finding per item-wide class and SKU, even for an item listed twice.
            guard seen.insert("\(kind.rawValue)|\(sku)|\(location)").inserted else { continue }
            comparison.findings.append(Finding(sku: sku, location: location, kind: kind,
                                               shopifyAvailable: shopifyAvailable, expected: expected))
        }
        comparison.levelsCompared = try connection.query("""
            WITH erp AS (\(Self.erpLevels))
            SELECT count(*) FROM erp e JOIN snapshot_levels l ON l.sku = e.sku AND l.location = e.location
            WHERE NOT e.busy
            """, parameters).decode(0, as: Int.self)
        return comparison
    }

    /// The ERP's view of these levels now: expected quantity, and whether still busy.
    package func erpLevels(shop: String, _ levels: [BusyLevel]) throws(PostgresError) -> [BusyLevel: (expected: Int, busy: Bool)] {
        let rows = try connection.query("""
            WITH erp AS (\(Self.erpLevels))
            SELECT e.sku, e.location, e.expected, e.busy FROM erp e
            JOIN unnest($4::text[], $5::text[]) AS k(sku, location) ON k.sku = e.sku AND k.location = e.location
            """, [.string(shop), .strings(Set(levels.map(\.sku))), .int(Int(holdBackGrace.components.seconds)),
                  .strings(levels.map(\.sku)), .strings(levels.map(\.location))])
        var byKey: [LevelKey: (Int, Bool)] = [:]
        for row in 0..<rows.count {
            let (sku, location, expected, busy) = try rows.decode(row, as: (String, String, Int, Bool).self)
            byKey[LevelKey(sku: sku, location: location)] = (expected, busy)
        }
        var result: [BusyLevel: (expected: Int, busy: Bool)] = [:]
        for level in levels {
            if let value = byKey[LevelKey(sku: level.sku, location: level.location)] { result[level] = value }
        }
        return result
    }

    package struct Outcome: Sendable, Codable {
        package var levelsCompared: Int
        package var unsettled: Int
        package var healed: Int
        /// Levels whose held-back units no order claimed within the grace period, released.
        package var released: Int
    }

    /// Records the findings, applies the heals and closes the run, all in one transaction:
    /// a run that dies before it commits is run again from the start, and after it committed
    /// its request is not run again.
    package func finish(run: Int, shop: String, findings: [Finding], heal: Bool, levelsCompared: Int,
                       unsettled: Int) throws -> Outcome {
        try connection.transaction { connection in
            let healable = heal ? findings.filter { $0.kind == .drift && $0.shopifyAvailable != nil } : []
            try connection.query("""
                INSERT INTO reconcile_discrepancies (run_id, sku, location, class, shopify_available, expected, healed)
                SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::boolean[])
                ON CONFLICT DO NOTHING
                """, [.int(run), .strings(findings.map(\.sku)), .strings(findings.map(\.location)),
                      .strings(findings.map(\.kind.rawValue)), .optionalInts(findings.map(\.shopifyAvailable)),
                      .optionalInts(findings.map(\.expected)),
                      .strings(findings.map { heal && $0.kind == .drift && $0.shopifyAvailable != nil ? "true" : "false" })])
            // The snapshot began no later than the run did.
            let takenAt = try connection.query("SELECT extract(epoch FROM started_at)::float8 FROM reconcile_runs WHERE run_id = $1",
                                               [.int(run)]).decode(0, as: Double.self)
            let shown = healable.compactMap { finding in
                finding.shopifyAvailable.map { (level: LevelKey(sku: finding.sku, location: finding.location), available: $0) }
            }
            let expired = try expiredHoldBacks(shop: shop, run: run, in: connection)
            // One lock call for both sets: SKU locks are taken in one order, once a transaction.
            let stock = StockStore(connection: connection)
            try stock.lock(skus: shown.map(\.level.sku) + expired.map(\.sku))
            if !shown.isEmpty {
                try PushStore(connection: connection).resetExpectations(shop: shop, shown, takenAt: takenAt)
                try stock.markDue(shop: shop, levels: shown.map(\.level))
            }
            try release(expired, shop: shop, in: connection)
            let released = expired.count
            let count = { (kind: DiscrepancyClass) in findings.filter { $0.kind == kind }.count }
            try connection.query("""
                UPDATE reconcile_runs SET status = 'done', finished_at = now(), levels_compared = $2, drift = $3,
                    missing_in_shopify = $4, unknown_to_erp = $5, unmapped = $6, unsettled = $7, healed = $8,
                    released = $9, error = NULL
                WHERE run_id = $1
                """, [.int(run), .int(levelsCompared), .int(count(.drift)), .int(count(.missingInShopify)),
                      .int(count(.unknownToERP)), .int(count(.unmapped)), .int(unsettled), .int(healable.count),
                      .int(released)])
            return Outcome(levelsCompared: levelsCompared, unsettled: unsettled, healed: healable.count, released: released)
        }
    }

    /// Units held back as sold longer than the grace period are no order in flight (an
    /// order reaches the ERP in seconds): the run releases them, so the next push sets the
    /// ERP's number instead of selling less forever, in report mode too (a hold-back is
    /// stocksync's own, not the store's).
    private func expiredHoldBacks(shop: String, run: Int, in connection: PostgresConnection) throws(PostgresError) -> [LevelKey] {
        let expired = try connection.query("""
            SELECT l.sku, l.location FROM shopify_levels l, reconcile_runs r
            WHERE r.run_id = $2 AND l.shop = $1 AND l.unreserved_sold > 0
              AND l.unreserved_since < now() - make_interval(secs => $3)
              AND (r.skus IS NULL OR l.sku = ANY(r.skus))
            """, [.string(shop), .int(run), .int(Int(holdBackGrace.components.seconds))])
        return try expired.decodeAll(as: (String, String).self).map { LevelKey(sku: $0.0, location: $0.1) }
    }

    /// Under the levels' SKU locks.
    private func release(_ levels: [LevelKey], shop: String, in connection: PostgresConnection) throws {
        guard !levels.isEmpty else { return }
        try connection.query("""
            UPDATE shopify_levels l SET unreserved_sold = 0, unreserved_since = NULL
            FROM unnest($2::text[], $3::text[]) AS e(sku, location)
            WHERE l.shop = $1 AND l.sku = e.sku AND l.location = e.location
            """, [.string(shop), .strings(levels.map(\.sku)), .strings(levels.map(\.location))])
        try StockStore(connection: connection).markDue(shop: shop, levels: levels)
    }

    package func fail(run: Int, error: String) throws(PostgresError) {
        try connection.query("UPDATE reconcile_runs SET status = 'failed', finished_at = now(), error = $2 WHERE run_id = $1",
                             [.int(run), .string(error)])
    }

    // MARK: Reports

    package struct RunSummary: Sendable, Codable {
        package var runID: Int
        package var requestID: String
        package var shop: String
        package var mode: String
        package var status: String
        package var startedAt: String
        package var seconds: Double?
        package var levelsCompared: Int?
        package var drift: Int?
        package var missingInShopify: Int?
        package var unknownToERP: Int?
        package var unmapped: Int?
        package var unsettled: Int?
        package var healed: Int?
        package var error: String?

        package var discrepancies: Int { (drift ?? 0) + (missingInShopify ?? 0) + (unknownToERP ?? 0) + (unmapped ?? 0) }
    }

    /// A run by id, by request id, or the newest (of a shop, or of any).
    package func run(id: Int? = nil, requestID: String? = nil, shop: String? = nil) throws(PostgresError) -> RunSummary? {
        let rows = try connection.query("""
            SELECT run_id, request_id, shop, mode, status, to_char(started_at, 'YYYY-MM-DD"T"HH24:MI:SSOF'),
                   extract(epoch FROM finished_at - started_at)::float8, levels_compared, drift, missing_in_shopify,
                   unknown_to_erp, unmapped, unsettled, healed, error
            FROM reconcile_runs
            WHERE ($1::bigint IS NULL OR run_id = $1) AND ($2::text IS NULL OR request_id = $2)
              AND ($3::text IS NULL OR shop = $3)
            ORDER BY run_id DESC LIMIT 1
            """, [id.map(PostgresParameter.int) ?? .null, requestID.map(PostgresParameter.string) ?? .null,
                  shop.map(PostgresParameter.string) ?? .null])
        guard rows.count == 1 else { return nil }
        let (runID, requestID, shop, mode, status, startedAt, seconds, levelsCompared, drift, missingInShopify,
             unknownToERP, unmapped, unsettled, healed, error) = try rows.decode(0, as: (
                 Int, String, String, String, String, String, Double?, Int?, Int?, Int?, Int?, Int?, Int?, Int?,
                 String?).self)
        return RunSummary(runID: runID, requestID: requestID, shop: shop, mode: mode, status: status,
                          startedAt: startedAt, seconds: seconds, levelsCompared: levelsCompared, drift: drift,
                          missingInShopify: missingInShopify, unknownToERP: unknownToERP, unmapped: unmapped,
                          unsettled: unsettled, healed: healed, error: error)
    }

    package struct Discrepancy: Sendable, Codable {
        package var sku: String
        package var location: String
        package var kind: String
        package var shopifyAvailable: Int?
        package var expected: Int?
        package var healed: Bool
    }

    package func discrepancies(run: Int) throws(PostgresError) -> [Discrepancy] {
        let rows = try connection.query("""
            SELECT sku, location, class, shopify_available, expected, healed FROM reconcile_discrepancies
            WHERE run_id = $1 ORDER BY class, sku, location
            """, [.int(run)])
        return try (0..<rows.count).map { row throws(PostgresError) in
            let (sku, location, kind, shopifyAvailable, expected, healed) =
                try rows.decode(row, as: (String, String, String, Int?, Int?, Bool).self)
            return Discrepancy(sku: sku, location: location, kind: kind, shopifyAvailable: shopifyAvailable,
                               expected: expected, healed: healed)
        }
    }

    // MARK: Schedules

    /// A full report of `shop` every `interval` (PostgreSQL interval text, e.g. `7 days`),
    /// the first one interval from now.
    package func schedule(shop: String, every interval: String) throws(PostgresError) {
        try connection.query("""
            INSERT INTO reconcile_schedules (shop, every, next_at) VALUES ($1, $2::interval, now() + $2::interval)
            ON CONFLICT (shop) DO UPDATE SET every = excluded.every, next_at = excluded.next_at
            """, [.string(shop), .string(interval)])
    }

    /// Every connected shop gets the weekly default unless it has a schedule.
    package func scheduleDefaults() throws(PostgresError) {
        try connection.query("""
            INSERT INTO reconcile_schedules (shop, next_at)
            SELECT shop, now() + interval '7 days' FROM shops WHERE sealed_access_token IS NOT NULL
            ON CONFLICT DO NOTHING
            """)
    }

    /// Slots that came due: (shop, slot id). The slot moves on only from the value read, so
    /// however many workers look, each slot is taken by one of them. A shop not connected
    /// (uninstalled) keeps its slot until it is connected again, and then runs it.
    package func takeDueSlots() throws(PostgresError) -> [(shop: String, slot: String)] {
        let rows = try connection.query("""
            WITH due AS (
                SELECT r.shop, r.next_at FROM reconcile_schedules r JOIN shops USING (shop)
                WHERE r.next_at <= now() AND shops.sealed_access_token IS NOT NULL FOR UPDATE OF r SKIP LOCKED)
            UPDATE reconcile_schedules s
            SET next_at = due.next_at + s.every * (floor(extract(epoch FROM now() - due.next_at) / extract(epoch FROM s.every)) + 1)
            FROM due WHERE s.shop = due.shop
            RETURNING s.shop, to_char(due.next_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
            """)
        return try (0..<rows.count).map { row throws(PostgresError) in
            let (shop, slot) = try rows.decode(row, as: (String, String).self)
            return (shop, slot)
        }
    }
}

extension ReconcileRequest.Mode: PostgresDecodable {
    package static func decode(text: UnsafePointer<CChar>, type: UInt32) -> Self? {
        String.decode(text: text, type: type).flatMap(Self.init(rawValue:))
    }
}

extension ReconcileStore {
    /// The shop's runs and their findings (`shop/redact`); its schedule goes with its row in `shops`.
    package func forget(shop: String) throws(PostgresError) {
        try connection.query("DELETE FROM reconcile_runs WHERE shop = $1", [.string(shop)])
    }
}
