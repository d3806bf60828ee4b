import StockSyncPostgres

/// What one table holds and how much of it its retention would remove now.
package struct TableRetention: Sendable, Encodable, Equatable {
    package var table: String
    package var rows: Int
    /// Seconds since the oldest row was written; nil for an empty table.
    package var oldestAgeSeconds: Int?
    package var removable: Int
}

// Each table is pruned by its owner, `limit` rows a transaction, skipping rows another
// transaction holds (`SKIP LOCKED`, or a try-lock on an order): pruning never waits for
// the hot path and never makes it wait for long. Each `…Retention` counts what the prune
// beside it would remove, by the same condition.

extension StockStore {
    /// An adjustment is needed to apply its event once, and to re-apply it on top of a newer
    /// snapshot that does not include it. One older than `age` whose version a snapshot of
    /// its level already includes (or that has none: unsequenced movements) is not; a
    /// redelivery of it after this (a dead letter replayed later than `age`) is then applied
    /// again if unsequenced, so `age` outlasts the dead-letter queues' TTL.
    private static let prunableAdjustments = """
        FROM stock_adjustments a LEFT JOIN stock_levels l ON l.sku = a.sku AND l.warehouse = a.warehouse
        WHERE a.applied_at < now() - make_interval(secs => $1)
          AND (a.version IS NULL OR a.version <= l.snapshot_version)
        """

    package func pruneAdjustments(olderThan age: Duration, limit: Int) throws(PostgresError) -> Int {
        try connection.query("""
            DELETE FROM stock_adjustments d USING (
                SELECT a.event_id \(Self.prunableAdjustments)
                ORDER BY a.applied_at LIMIT $2 FOR UPDATE OF a SKIP LOCKED) doomed
            WHERE d.event_id = doomed.event_id RETURNING 1
            """, [.int(Int(age.components.seconds)), .int(limit)]).count
    }

    package func adjustmentsRetention(olderThan age: Duration) throws(PostgresError) -> TableRetention {
        try retention(of: "stock_adjustments", writtenAt: "applied_at",
                      removable: "SELECT count(*) \(Self.prunableAdjustments)", age: age)
    }

    fileprivate func retention(of table: String, writtenAt column: String, removable: String, age: Duration)
        throws(PostgresError) -> TableRetention {
        let (rows, oldest, count) = try connection.query("""
            SELECT (SELECT count(*) FROM \(table)),
                   (SELECT extract(epoch FROM now() - min(\(column)))::bigint FROM \(table)),
                   (\(removable))
            """, [.int(Int(age.components.seconds))]).decode(0, as: (Int, Int?, Int).self)
        return TableRetention(table: table, rows: rows, oldestAgeSeconds: oldest, removable: count)
    }
}

extension OrderStore {
    /// Event ids keep a redelivered webhook from being applied twice; Shopify retries a
    /// delivery for 48 hours, and an order state or refund applied again changes nothing
    /// anyway (newer-state and per-refund-line checks), so ids older than `age` go.
    package func pruneWebhookEvents(olderThan age: Duration, limit: Int) throws(PostgresError) -> Int {
        try connection.query("""
            DELETE FROM order_webhook_events d USING (
                SELECT event_id FROM order_webhook_events WHERE received_at < now() - make_interval(secs => $1)
                ORDER BY received_at LIMIT $2 FOR UPDATE SKIP LOCKED) doomed
            WHERE d.event_id = doomed.event_id RETURNING 1
            """, [.int(Int(age.components.seconds)), .int(limit)]).count
    }

    package func webhookEventsRetention(olderThan age: Duration) throws(PostgresError) -> TableRetention {
        try StockStore(connection: connection).retention(
            of: "order_webhook_events", writtenAt: "received_at",
            removable: "SELECT count(*) FROM order_webhook_events WHERE received_at < now() - make_interval(secs => $1)",
            age: age)
    }

    private static let archivableOrders = """
        FROM shopify_orders o
        WHERE NOT o.archived AND o.touched_at < now() - make_interval(secs => $1)
          AND NOT EXISTS (SELECT 1 FROM order_reservations r
                          WHERE r.shop = o.shop AND r.order_id = o.order_id AND r.reserved > 0)
        """

    /// Archives orders with no open reservation that nothing concerned for `age`: their
    /// lines, reservations, refunds and incidents go, the order's row stays marked (a late
    /// delivery for it then changes nothing). An order a worker holds is skipped.
    package func archiveOrders(untouchedFor age: Duration, limit: Int) throws -> Int {
        try connection.transaction { connection in
            let rows = try connection.query("""
                SELECT o.shop, o.order_id \(Self.archivableOrders)
                  AND pg_try_advisory_xact_lock($3, hashtext(o.shop || chr(31) || o.order_id))
                ORDER BY o.touched_at LIMIT $2 FOR UPDATE SKIP LOCKED
                """, [.int(Int(age.components.seconds)), .int(limit), .int(AdvisoryLock.order.namespace)])
            let keys = try rows.decodeAll(as: (String, String).self)
            guard !keys.isEmpty else { return 0 }
            let parameters: [PostgresParameter] = [.strings(keys.map(\.0)), .strings(keys.map(\.1))]
            for table in ["order_lines", "order_reservations", "order_refund_lines", "order_incidents"] {
                try connection.query("""
                    DELETE FROM \(table) t USING unnest($1::text[], $2::text[]) AS o(shop, order_id)
                    WHERE t.shop = o.shop AND t.order_id = o.order_id
                    """, parameters)
            }
            return try connection.query("""
                UPDATE shopify_orders s SET archived = true FROM unnest($1::text[], $2::text[]) AS o(shop, order_id)
                WHERE s.shop = o.shop AND s.order_id = o.order_id RETURNING 1
                """, parameters).count
        }
    }

    package func ordersRetention(untouchedFor age: Duration) throws(PostgresError) -> TableRetention {
        try StockStore(connection: connection).retention(
            of: "shopify_orders", writtenAt: "touched_at", removable: "SELECT count(*) \(Self.archivableOrders)", age: age)
    }
}

extension ReconcileStore {
    private static let prunableRuns = """
        FROM reconcile_runs r
        WHERE r.finished_at < now() - make_interval(secs => $1)
          AND r.run_id <> (SELECT max(n.run_id) FROM reconcile_runs n WHERE n.shop = r.shop AND n.finished_at IS NOT NULL)
        """

    /// Runs finished longer than `age` ago go with their findings, except each shop's
    /// newest: what the last reconciliation found stays to be seen.
    package func pruneRuns(olderThan age: Duration, limit: Int) throws(PostgresError) -> Int {
        try connection.query("""
            DELETE FROM reconcile_runs d USING (
                SELECT r.run_id \(Self.prunableRuns) ORDER BY r.finished_at LIMIT $2 FOR UPDATE SKIP LOCKED) doomed
            WHERE d.run_id = doomed.run_id RETURNING 1
            """, [.int(Int(age.components.seconds)), .int(limit)]).count
    }

    package func runsRetention(olderThan age: Duration) throws(PostgresError) -> TableRetention {
        try StockStore(connection: connection).retention(
            of: "reconcile_runs", writtenAt: "started_at", removable: "SELECT count(*) \(Self.prunableRuns)", age: age)
    }
}
