import StockSyncDomain
import StockSyncPostgres
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The push side's tables: the SKU → inventory item cache, expectations of Shopify's
/// levels, and pushes in flight.
package struct PushStore {
    package let connection: PostgresConnection

    package init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// Takes the shop for this connection's session if no other session holds it: one
    /// push-worker spends a shop's API budget at a time, and the lock goes with the
    /// connection when its process dies, or after `lease` of silence when it is frozen.
    package func tryOwn(shop: String, lease: Duration) throws(PostgresError) -> Bool {
        try connection.endWhenIdle(for: lease)
        return try AdvisoryLock.pushShop.trySessionLock(shop, on: connection)
    }

    /// Speaks to the server, so that a session waiting on Shopify is not taken for one that
    /// went silent (`tryOwn`'s lease).
    package func keepAlive() throws(PostgresError) {
        try connection.query("SELECT 1")
    }

    // MARK: The outbox

    package struct DueBatch: Sendable {
        package var levels: [DueLevel]
        /// ERP time of each level's oldest unpushed change, seconds since 1970, by position.
        package var dueSince: [Double?]
        /// Seconds since the oldest level in the batch became due.
        package var oldestAge: Double
    }

    /// Levels of `shop` whose ATS is ahead of what was handled, oldest first. Levels that
    /// cannot be pushed are handled too (set aside with their problem), so none of them
    /// holds this window up.
    package func due(shop: String, limit: Int, itemRecheckSeconds: Int = 600) throws(PostgresError) -> DueBatch {
        // No push of the shop is in flight now (one thread pushes it): every deduction the
        // order-worker recorded so far happened after the expectations were last set.
        try connection.query(Self.foldPending + """
            WHERE (l.shop, l.sku, l.location) IN (
                SELECT shop, sku, location FROM shopify_levels
                WHERE shop = $1 AND (pending_deducted <> 0 OR pending_restocked <> 0) FOR UPDATE SKIP LOCKED)
            """, [.string(shop)])
        // The window is taken first, alone on the outbox's partial index, so the plan does
        // not depend on how stale the statistics of a fast-changing outbox are.
        let rows = try connection.query("""
            WITH due AS MATERIALIZED (
                SELECT sku, location, available, version, due_since, changed_at FROM available_to_sell
                WHERE shop = $1 AND due ORDER BY changed_at LIMIT $2)
            SELECT d.sku, d.location, d.available, d.version, i.inventory_item_id,
                   i.sku IS NOT NULL AND i.inventory_item_id IS NULL AND i.checked_at > now() - make_interval(secs => $3),
                   l.expected, coalesce(l.unreserved_sold, 0), extract(epoch FROM d.due_since)::float8,
                   extract(epoch FROM now() - d.changed_at)::float8
            FROM due d
            LEFT JOIN shopify_items i ON i.shop = $1 AND i.sku = d.sku
            LEFT JOIN shopify_levels l ON l.shop = $1 AND l.sku = d.sku AND l.location = d.location
            ORDER BY d.changed_at
            """, [.string(shop), .int(limit), .int(itemRecheckSeconds)])
        var batch = DueBatch(levels: [], dueSince: [], oldestAge: 0)
        for row in 0..<rows.count {
            let (sku, location, available, version, inventoryItemID, itemMissing, expected, unreservedSold, dueSince, age) =
                try rows.decode(row, as: (String, String, Int, Int, String?, Bool, Int?, Int, Double?, Double?).self)
            batch.levels.append(DueLevel(
                sku: sku, location: location, available: available,
                version: version, inventoryItemID: inventoryItemID, itemMissing: itemMissing,
                expectation: LevelExpectation(expected: expected, unreservedSold: unreservedSold)))
            batch.dueSince.append(dueSince)
            batch.oldestAge = max(batch.oldestAge, age ?? 0)
        }
        return batch
    }

    /// Folds the deductions and restocks the order-worker recorded (`pending_*`) into the
    /// expectations, as `LevelExpectation.orderDeducted` then `restocked` do. Run only after
    /// `expected` was last set from Shopify (a confirmed push, a read) and with no push of
    /// the level in flight: then each pending deduction is one Shopify made after that
    /// quantity (an order taken before a compare-and-set push would have made it fail), so
    /// folding it once is right.
    /// What a level `l` is expected to show once its orders' pending deductions and restocks
    /// are folded in: deductions the held-back units already count are not taken twice.
    static let expectedWithPendingFolded = "l.expected - (l.pending_deducted - least(l.pending_deducted, l.unreserved_sold)) + l.pending_restocked"

    static let foldPending = """
        UPDATE shopify_levels l SET
            unreserved_sold = l.unreserved_sold - least(l.pending_deducted, l.unreserved_sold),
            unreserved_since = CASE WHEN l.unreserved_sold <= l.pending_deducted THEN NULL ELSE l.unreserved_since END,
            expected = \(expectedWithPendingFolded),
            pending_deducted = 0, pending_restocked = 0

        """

    /// Adds Shopify's deductions and restocks of orders to the levels' pending figures, which
    /// `foldPending` folds into `expected` at moments known to be later than them. Levels not
    /// pushed yet have nothing to fold into.
    package func addPending(deducted: [AvailabilityKey: Int], restocked: [AvailabilityKey: Int]) throws(PostgresError) {
        let keys = Set(deducted.keys).union(restocked.keys).sorted {
            ($0.shop, $0.sku, $0.location) < ($1.shop, $1.sku, $1.location)
        }
        guard !keys.isEmpty else { return }
        try connection.query("""
            UPDATE shopify_levels l SET pending_deducted = l.pending_deducted + o.deducted,
                   pending_restocked = l.pending_restocked + o.restocked
            FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[])
                 AS o(shop, sku, location, deducted, restocked)
            WHERE l.shop = o.shop AND l.sku = o.sku AND l.location = o.location
            """, [.strings(keys.map(\.shop)), .strings(keys.map(\.sku)), .strings(keys.map(\.location)),
                  .ints(keys.map { deducted[$0] ?? 0 }), .ints(keys.map { restocked[$0] ?? 0 })])
    }

    /// Sets what Shopify is expected to show to what it showed (a heal): the next push
    /// compares against it and sets the ERP's number. Clears the levels' hold-backs and
    /// problems. A level whose expectation was set after `takenAt` (when the snapshot
    /// showing it began) is left alone: what it shows is older than what is known. Call
    /// under the SKUs' locks.
    package func resetExpectations(shop: String, _ shown: [(level: LevelKey, available: Int)], takenAt: Double)
        throws(PostgresError) {
        guard !shown.isEmpty else { return }
        try connection.query("""
            INSERT INTO shopify_levels AS l (shop, sku, location, expected, expected_at)
            SELECT $1, sku, location, available, to_timestamp($5::float8)
            FROM unnest($2::text[], $3::text[], $4::bigint[]) AS s(sku, location, available) ORDER BY 1, 2
            ON CONFLICT (shop, sku, location) DO UPDATE
            SET expected = excluded.expected, expected_at = excluded.expected_at,
                unreserved_sold = 0, unreserved_since = NULL, problem = NULL
            WHERE l.expected_at IS NULL OR l.expected_at < excluded.expected_at
            """, [.string(shop), .strings(shown.map(\.level.sku)), .strings(shown.map(\.level.location)),
                  .ints(shown.map(\.available)), .string("\(takenAt)")])
    }

    /// `foldPending` for these levels, whose `expected` was just set (under their SKUs' locks).
    private func foldPending(_ connection: PostgresConnection, shop: String, skus: [String], locations: [String]) throws(PostgresError) {
        try connection.query(Self.foldPending + """
            FROM unnest($2::text[], $3::text[]) AS k(sku, location)
            WHERE l.shop = $1 AND l.sku = k.sku AND l.location = k.location
              AND (l.pending_deducted <> 0 OR l.pending_restocked <> 0)
            """, [.string(shop), .strings(skus), .strings(locations)])
    }

    // MARK: Items

    /// Records what the store answered for these SKUs: an item id, or none (asked again
    /// once the answer is older than `due`'s recheck window).
    package func saveItems(shop: String, found: [String: String], missing: [String]) throws(PostgresError) {
        let skus = Array(found.keys) + missing
        let ids: [String?] = found.values.map { $0 } + missing.map { _ in nil }
        try connection.query("""
            INSERT INTO shopify_items (shop, sku, inventory_item_id, checked_at)
            SELECT $1, sku, item, now() FROM unnest($2::text[], $3::text[]) AS i(sku, item)
            ON CONFLICT (shop, sku) DO UPDATE SET inventory_item_id = excluded.inventory_item_id, checked_at = now()
            """, [.string(shop), .strings(skus), .optionalStrings(ids)])
    }

    // MARK: Expectations

    package struct Observation: Sendable {
        package var sku: String
        package var location: String
        package var available: Int

        package init(sku: String, location: String, available: Int) {
            self.sku = sku
            self.location = location
            self.available = available
        }
    }

    /// Shopify showed these quantities (after a stale refusal, before a first push, or in a
    /// catalogue sync): each expectation moves as `LevelExpectation.observedStale` says, or,
    /// as a `baseline`, simply becomes what Shopify showed with nothing held back.
    /// - Parameter takenAt: seconds since 1970 when the read began; a level whose
    ///   expectation was set later is left alone (a bulk snapshot takes minutes).
    package func recordObserved(shop: String, _ observations: [Observation], takenAt: Double, baseline: Bool = false) throws {
        // A transaction per 1,000 levels: each holds its SKUs' locks, and a catalogue of a
        // million levels must not need a million locks at once.
        for start in stride(from: 0, to: observations.count, by: 1_000) {
            try recordObserved(shop: shop, observations[start..<min(start + 1_000, observations.count)],
                               takenAt: takenAt, baseline: baseline)
        }
    }

    private func recordObserved(shop: String, _ observations: ArraySlice<Observation>, takenAt: Double,
                                baseline: Bool) throws {
        try connection.transaction { connection in
            let skus = observations.map(\.sku), locations = observations.map(\.location)
            try StockStore(connection: connection).lock(skus: skus)
            try connection.query("""
                INSERT INTO shopify_levels (shop, sku, location)
                SELECT $1, sku, location FROM unnest($2::text[], $3::text[]) AS o(sku, location)
                ORDER BY sku, location
                ON CONFLICT DO NOTHING
                """, [.string(shop), .strings(skus), .strings(locations)])
            let current = try connection.query("""
                SELECT l.sku, l.location, l.expected, l.unreserved_sold
                FROM shopify_levels l JOIN unnest($2::text[], $3::text[]) AS o(sku, location)
                  ON l.sku = o.sku AND l.location = o.location
                WHERE l.shop = $1 ORDER BY l.sku, l.location FOR UPDATE OF l
                """, [.string(shop), .strings(skus), .strings(locations)])
            var expectations: [LevelKey: LevelExpectation] = [:]
            for row in 0..<current.count {
                let (sku, location, expected, unreservedSold) = try current.decode(row, as: (String, String, Int?, Int).self)
                expectations[LevelKey(sku: sku, location: location)] = LevelExpectation(expected: expected, unreservedSold: unreservedSold)
            }
            var updated: [LevelExpectation] = []
            for observation in observations {
                let key = LevelKey(sku: observation.sku, location: observation.location)
                var expectation = baseline ? LevelExpectation() : expectations[key] ?? LevelExpectation()
                expectation.observedStale(actual: observation.available)
                expectations[key] = expectation
                updated.append(expectation)
            }
            try connection.query("""
                UPDATE shopify_levels l SET expected = o.expected, unreserved_sold = o.unreserved_sold,
                       unreserved_since = CASE WHEN o.unreserved_sold = 0 THEN NULL
                                               ELSE coalesce(l.unreserved_since, now()) END,
                       expected_at = to_timestamp($6::float8), problem = NULL, problem_version = NULL
                FROM unnest($2::text[], $3::text[], $4::bigint[], $5::bigint[])
                     AS o(sku, location, expected, unreserved_sold)
                WHERE l.shop = $1 AND l.sku = o.sku AND l.location = o.location
                  AND (l.expected_at IS NULL OR l.expected_at < to_timestamp($6::float8))
                """, [.string(shop), .strings(skus), .strings(locations),
                      .optionalInts(updated.map(\.expected)), .ints(updated.map(\.unreservedSold)), .string("\(takenAt)")])
            try foldPending(connection, shop: shop, skus: skus, locations: locations)
        }
    }

    package struct Problem: Sendable {
        package var sku: String
        package var location: String
        package var version: Int
        package var reason: String

        package init(sku: String, location: String, version: Int, reason: String) {
            self.sku = sku
            self.location = location
            self.version = version
            self.reason = reason
        }
    }

    /// These levels cannot be pushed at their version (Shopify refused them, or the store
    /// lacks their item or location): the problem is recorded and the outbox rows are
    /// handled, until their ATS changes again or `CatalogueSync` retries them.
    package func setAside(shop: String, _ problems: [Problem]) throws {
        guard !problems.isEmpty else { return }
        try connection.transaction { connection in
            let skus = problems.map(\.sku), locations = problems.map(\.location), versions = problems.map(\.version)
            try StockStore(connection: connection).lock(skus: skus)
            try connection.query("""
                INSERT INTO shopify_levels (shop, sku, location, problem, problem_version)
                SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[])
                ORDER BY 1, 2
                ON CONFLICT (shop, sku, location) DO UPDATE
                SET problem = excluded.problem, problem_version = excluded.problem_version
                """, [.string(shop), .strings(skus), .strings(locations), .strings(problems.map(\.reason)), .ints(versions)])
            try StockStore(connection: connection).markHandled(
                shop: shop, levels: problems.map { LevelKey(sku: $0.sku, location: $0.location) }, versions: versions)
        }
    }

    /// Makes these levels due, so that each is pushed, or found current, again. A
    /// transaction per 1,000 levels, under their SKUs' locks.
    package func makeDue(shop: String, _ levels: [LevelKey]) throws {
        for start in stride(from: 0, to: levels.count, by: 1_000) {
            let chunk = Array(levels[start..<min(start + 1_000, levels.count)])
            try connection.transaction { connection in
                let stock = StockStore(connection: connection)
                try stock.lock(skus: chunk.map(\.sku))
                try stock.markDue(shop: shop, levels: chunk)
            }
        }
    }

    /// Makes every level set aside with a problem due again (after the operator fixed the
    /// store or the mapping); returns how many.
    @discardableResult
    package func retryProblems(shop: String) throws -> Int {
        try connection.transaction { connection in
            let rows = try connection.query("""
                SELECT sku, location FROM shopify_levels WHERE shop = $1 AND problem IS NOT NULL
                """, [.string(shop)])
            let levels = try (0..<rows.count).map { row throws(PostgresError) in
                let (sku, location) = try rows.decode(row, as: (String, String).self)
                return LevelKey(sku: sku, location: location)
            }
            guard !levels.isEmpty else { return 0 }
            let stock = StockStore(connection: connection)
            try stock.lock(skus: levels.map(\.sku))
            try stock.markDue(shop: shop, levels: levels)
            try connection.query("""
                UPDATE shopify_levels SET problem = NULL, problem_version = NULL
                WHERE shop = $1 AND problem IS NOT NULL
                """, [.string(shop)])
            return levels.count
        }
    }

    // MARK: Pushes

    package struct Intent: Sendable {
        package var idempotencyKey: String
        package var quantities: [PushQuantity]
        /// Times Shopify failed it without applying it (`PushFailurePolicy`).
        package var failures: Int

        package init(idempotencyKey: String, quantities: [PushQuantity], failures: Int = 0) {
            self.idempotencyKey = idempotencyKey
            self.quantities = quantities
            self.failures = failures
        }
    }

    package func recordIntent(shop: String, _ intent: Intent) throws {
        try insert([intent], shop: shop, createdAt: nil)
    }

    /// - Parameter createdAt: seconds since 1970; nil for now.
    private func insert(_ intents: [Intent], shop: String, createdAt: Double?) throws {
        for intent in intents {
            let json = String(decoding: try JSONEncoder().encode(intent.quantities), as: UTF8.self)
            try connection.query("""
                INSERT INTO shopify_push_intents (shop, idempotency_key, quantities, failures, created_at)
                VALUES ($1, $2, $3::jsonb, $4, coalesce(to_timestamp($5::float8), now()))
                """, [.string(shop), .string(intent.idempotencyKey), .string(json), .int(intent.failures),
                      createdAt.map { .string("\($0)") } ?? .null])
        }
    }

    /// Pushes written down but not answered, oldest first.
    package func pendingIntents(shop: String) throws -> [Intent] {
        let rows = try connection.query("""
            SELECT idempotency_key, quantities::text, failures FROM shopify_push_intents WHERE shop = $1
            ORDER BY created_at, idempotency_key
            """, [.string(shop)])
        return try (0..<rows.count).map { row in
            let (idempotencyKey, quantities, failures) = try rows.decode(row, as: (String, String, Int).self)
            return Intent(idempotencyKey: idempotencyKey,
                          quantities: try JSONDecoder().decode([PushQuantity].self, from: Data(quantities.utf8)),
                          failures: failures)
        }
    }

    /// Counts a failure of the push and why; returns the failures counted now.
    package func recordFailure(shop: String, idempotencyKey: String, reason: String) throws(PostgresError) -> Int {
        try connection.query("""
            UPDATE shopify_push_intents SET failures = failures + 1, last_failure = $3
            WHERE shop = $1 AND idempotency_key = $2 RETURNING failures
            """, [.string(shop), .string(idempotencyKey), .string(reason)]).decode(0, as: Int.self)
    }

    /// Replaces a push by these parts (new keys: Shopify never applied the whole), in its
    /// place in the order pushes are sent, in one transaction.
    package func split(shop: String, idempotencyKey: String, into parts: [Intent]) throws {
        try connection.transaction { connection in
            let created = try connection.query("""
                DELETE FROM shopify_push_intents WHERE shop = $1 AND idempotency_key = $2
                RETURNING extract(epoch FROM created_at)::float8
                """, [.string(shop), .string(idempotencyKey)]).decode(0, as: Double.self)
            try PushStore(connection: connection).insert(parts, shop: shop, createdAt: created)
        }
    }

    /// Forgets the items cached for these SKUs: they are looked up again before their next push.
    package func forgetItems(shop: String, skus: [String]) throws(PostgresError) {
        try connection.query("DELETE FROM shopify_items WHERE shop = $1 AND sku = ANY($2::text[])",
                             [.string(shop), .strings(skus)])
    }

    package func discardIntent(shop: String, idempotencyKey: String) throws(PostgresError) {
        try connection.query("DELETE FROM shopify_push_intents WHERE shop = $1 AND idempotency_key = $2",
                             [.string(shop), .string(idempotencyKey)])
    }

    /// Shopify confirmed these quantities: in one transaction, they become the expected
    /// quantities, their outbox versions are marked pushed, and the intent is gone.
    /// `idempotencyKey` nil: levels Shopify already held, confirmed without a call.
    package func confirm(shop: String, _ quantities: [(sku: String, location: String, quantity: Int, version: Int)],
                        idempotencyKey: String?) throws {
        try connection.transaction { connection in
            let skus = quantities.map(\.sku), locations = quantities.map(\.location)
            try StockStore(connection: connection).lock(skus: skus)
            try connection.query("""
                INSERT INTO shopify_levels (shop, sku, location, expected, pushed_available, pushed_at, expected_at)
                SELECT $1, sku, location, quantity, quantity, now(), now()
                FROM unnest($2::text[], $3::text[], $4::bigint[]) AS q(sku, location, quantity)
                ORDER BY sku, location
                ON CONFLICT (shop, sku, location) DO UPDATE
                SET expected = excluded.expected, pushed_available = excluded.pushed_available,
                    pushed_at = excluded.pushed_at, expected_at = excluded.expected_at, problem = NULL, problem_version = NULL
                """, [.string(shop), .strings(skus), .strings(locations), .ints(quantities.map(\.quantity))])
            try foldPending(connection, shop: shop, skus: skus, locations: locations)
            try StockStore(connection: connection).markHandled(
                shop: shop, levels: quantities.map { LevelKey(sku: $0.sku, location: $0.location) },
                versions: quantities.map(\.version))
            if let idempotencyKey {
                try discardIntent(shop: shop, idempotencyKey: idempotencyKey)
            }
        }
    }
}

// MARK: Reports

extension PushStore {
    package struct ShopStatus: Sendable, Codable {
        package var shop: String
        package var connected: Bool
        /// The API version configured, the one Shopify last served, when the configured one's
        /// support may end, and whether that is within `ShopifyAPIVersion.supportWarningDays`.
        package var apiVersion: String
        package var servedAPIVersion: String?
        package var apiSupportEnds: String
        package var apiSupportEndingSoon: Bool
        /// When Shopify said the app was uninstalled (RFC 3339, UTC), unless connected since.
        package var uninstalledAt: String?
        package var dueLevels: Int
        package var oldestDueSeconds: Double?
        package var pendingPushes: Int
        package var unmappedSKUs: Int
        package var refusedLevels: Int
        /// When the shop's last order webhook was applied, and how many orders were read
        /// back instead (`OrderBackfill`), the last when.
        package var lastWebhookAt: String?
        package var ordersReadBack: Int
        package var lastReadBackAt: String?
        /// Orders were read back since the last webhook arrived: its webhooks are being lost.
        package var webhooksMissing: Bool
        /// The shop's token expires (installed through OAuth): refreshed this many times; its
        /// refresh token expires then (RFC 3339, UTC), and within 14 days of that the shop must
        /// be installed again.
        package var tokenExpires: Bool
        package var tokenRefreshes: Int
        package var refreshTokenExpiresAt: String?
        package var reinstallSoon: Bool
    }

    package func status() throws(PostgresError) -> [ShopStatus] {
        let rows = try connection.query("""
            SELECT s.shop, s.sealed_access_token IS NOT NULL, s.api_version, s.served_api_version,
                   CASE WHEN s.sealed_access_token IS NULL
                        THEN to_char(s.uninstalled_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') END,
                   (SELECT count(*) FROM available_to_sell a WHERE a.shop = s.shop AND a.due),
                   (SELECT extract(epoch FROM now() - min(a.changed_at))::float8 FROM available_to_sell a
                     WHERE a.shop = s.shop AND a.due),
                   (SELECT count(*) FROM shopify_push_intents i WHERE i.shop = s.shop),
                   (SELECT count(*) FROM shopify_items i WHERE i.shop = s.shop AND i.inventory_item_id IS NULL),
                   (SELECT count(*) FROM shopify_levels l WHERE l.shop = s.shop AND l.problem IS NOT NULL),
                   to_char(w.last_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                   coalesce(b.read_back_orders, 0),
                   to_char(b.read_back_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                   coalesce(b.read_back_at > coalesce(w.last_at, '-infinity'), false),
                   s.sealed_refresh_token IS NOT NULL, s.token_refreshes,
                   to_char(s.refresh_token_expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                   coalesce(s.refresh_token_expires_at < now() + interval '14 days', false)
            FROM shops s LEFT JOIN order_backfill b USING (shop)
            LEFT JOIN LATERAL (SELECT max(d.last_at) AS last_at FROM webhook_deliveries d WHERE d.shop = s.shop) w ON true
            ORDER BY s.shop
            """)
        return try (0..<rows.count).map { row throws(PostgresError) in
            let (shop, connected, configured, served, uninstalledAt, dueLevels, oldestDueSeconds, pendingPushes, unmappedSKUs,
                 refusedLevels, lastWebhookAt, ordersReadBack, lastReadBackAt, webhooksMissing, tokenExpires, tokenRefreshes,
                 refreshTokenExpiresAt, reinstallSoon) =
                try rows.decode(row, as: (String, Bool, String, String?, String?, Int, Double?, Int, Int, Int, String?, Int,
                                          String?, Bool, Bool, Int, String?, Bool).self)
            let version = ShopifyAPIVersion(configured) ?? .default
            return ShopStatus(shop: shop, connected: connected, apiVersion: version.description, servedAPIVersion: served,
                              apiSupportEnds: Timestamp.format(version.supportEnds),
                              apiSupportEndingSoon: version.isNearEndOfSupport(at: Date()),
                              uninstalledAt: uninstalledAt, dueLevels: dueLevels,
                              oldestDueSeconds: oldestDueSeconds, pendingPushes: pendingPushes, unmappedSKUs: unmappedSKUs,
                              refusedLevels: refusedLevels, lastWebhookAt: lastWebhookAt, ordersReadBack: ordersReadBack,
                              lastReadBackAt: lastReadBackAt, webhooksMissing: webhooksMissing, tokenExpires: tokenExpires,
                              tokenRefreshes: tokenRefreshes, refreshTokenExpiresAt: refreshTokenExpiresAt,
                              reinstallSoon: reinstallSoon)
        }
    }

    package struct LevelProblem: Sendable, Codable {
        package var sku: String
        package var location: String?
        package var problem: String
    }

    /// SKUs the store lacks and levels Shopify refused, for operators to fix.
    package func problems(shop: String) throws(PostgresError) -> [LevelProblem] {
        let rows = try connection.query("""
            SELECT sku, location, problem FROM shopify_levels WHERE shop = $1 AND problem IS NOT NULL ORDER BY 1, 2
            """, [.string(shop)])
        return try (0..<rows.count).map { row throws(PostgresError) in
            let (sku, location, problem) = try rows.decode(row, as: (String, String?, String).self)
            return LevelProblem(sku: sku, location: location, problem: problem)
        }
    }
}

extension PushStore {
    /// Everything the push side knows of the shop's store (`shop/redact`).
    package func forget(shop: String) throws(PostgresError) {
        for table in ["shopify_push_intents", "shopify_levels", "shopify_items"] {
            try connection.query("DELETE FROM \(table) WHERE shop = $1", [.string(shop)])
        }
    }
}
