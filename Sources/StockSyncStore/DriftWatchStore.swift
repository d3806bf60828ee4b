import StockSyncDomain
import StockSyncPostgres

/// The `drift_suspects` table: levels Shopify said changed in a way no push and no known
/// order explains, waiting to be checked by a targeted reconciliation.
package struct DriftWatchStore {
    package let connection: PostgresConnection

    package init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// Records, to be checked after `settle`, each notification of a level stocksync pushes
    /// that its expectation does not explain: what Shopify shows is neither what it is
    /// expected to show nor that with the orders' deductions and restocks not yet folded in.
    /// A level suspected already keeps its time to be checked. Returns how many were recorded
    /// (whole seconds of `settle`).
    package func note(_ updates: [InventoryLevelUpdate], settle: Duration) throws(PostgresError) -> Int {
        guard !updates.isEmpty else { return 0 }
        // The latest notification of a level wins: Shopify numbers none, so arrival order it is.
        var latest: [String: InventoryLevelUpdate] = [:]
        for update in updates { latest["\(update.shop)\u{0}\(update.inventoryItemID)\u{0}\(update.location)"] = update }
        let levels = latest.values.sorted { ($0.shop, $0.inventoryItemID, $0.location) < ($1.shop, $1.inventoryItemID, $1.location) }
        return try connection.query("""
            INSERT INTO drift_suspects (shop, sku, location, check_after)
            SELECT u.shop, i.sku, u.location, now() + make_interval(secs => $5)
            FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[]) AS u(shop, item, location, available)
            JOIN shopify_items i ON i.shop = u.shop AND i.inventory_item_id = u.item
            JOIN shopify_levels l ON l.shop = u.shop AND l.sku = i.sku AND l.location = u.location
            WHERE l.expected IS NOT NULL
              AND u.available IS DISTINCT FROM l.expected
              AND u.available IS DISTINCT FROM \(PushStore.expectedWithPendingFolded)
            ORDER BY 1, 2, 3
            ON CONFLICT (shop, sku, location) DO NOTHING
            RETURNING 1
            """, [.strings(levels.map(\.shop)), .strings(levels.map(\.inventoryItemID)), .strings(levels.map(\.location)),
                  .optionalInts(levels.map(\.available)), .int(Int(settle.components.seconds))]).count
    }

    /// The suspects due to be checked, by shop, with each shop's policy, at most `limit`;
    /// `request` is given them and asks for their reconciliations, and they are deleted in
    /// the same transaction: a request that fails leaves them for the next look. A shop is
    /// due once every level suspected has settled, so that a burst (an import) is checked
    /// once when it is over, or once its first has waited `longestWait` past settling, so
    /// that a shop changed without pause is still checked; not while a check of the shop is
    /// queued and not yet running (its suspects wait for the next), so checks do not pile up.
    package func takeDue(limit: Int, longestWait: Duration, _ request: ([DueCheck]) throws -> Void) throws {
        try connection.transaction { connection in
            let rows = try connection.query("""
                WITH ready AS (
                    SELECT shop FROM drift_suspects GROUP BY shop
                    HAVING max(check_after) <= now() OR min(check_after) <= now() - make_interval(secs => $2)
                    EXCEPT
                    -- A check of the shop still waiting to run reads what changed meanwhile too.
                    SELECT shop FROM reconcile_runs WHERE status = 'queued' AND request_id LIKE 'drift:%'
                ), due AS (
                    DELETE FROM drift_suspects WHERE (shop, sku, location) IN (
                        SELECT shop, sku, location FROM drift_suspects
                        WHERE check_after <= now() AND shop IN (SELECT shop FROM ready)
                        ORDER BY check_after LIMIT $1 FOR UPDATE SKIP LOCKED)
                    RETURNING shop, sku)
                SELECT DISTINCT d.shop, s.drift_policy, d.sku FROM due d JOIN shops s ON s.shop = d.shop ORDER BY 1, 3
                """, [.int(limit), .int(Int(longestWait.components.seconds))])
            var checks: [DueCheck] = []
            for (shop, policy, sku) in try rows.decodeAll(as: (String, String, String).self) {
                if checks.last?.shop == shop { checks[checks.count - 1].skus.append(sku) } else {
                    checks.append(DueCheck(shop: shop, heal: policy == "heal", skus: [sku]))
                }
            }
            guard !checks.isEmpty else { return }
            try request(checks)
        }
    }

    package struct DueCheck: Sendable, Equatable {
        package var shop: String
        package var heal: Bool
        package var skus: [String]
    }

    /// The shop's rows (`shop/redact`).
    package func forget(shop: String) throws(PostgresError) {
        try connection.query("DELETE FROM drift_suspects WHERE shop = $1", [.string(shop)])
    }
}
