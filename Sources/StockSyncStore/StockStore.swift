import StockSyncDomain
import StockSyncPostgres
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The stock tables (`Schemas/migrations/0001_stock.sql`). Every statement takes a whole
/// batch as arrays, so a batch costs the same handful of round trips at any size. Call
/// inside a transaction that holds the SKUs' locks (`lock(skus:)` or `tryLock(skus:)`).
package struct StockStore {
    /// The SET items, over `available_to_sell a`, that make a level due for push. A level
    /// already due keeps its `changed_at` (when it became due): its place in the outbox, and
    /// an update that leaves every indexed column alone (migration 0006).
    private static let markDue = "version = a.version + 1, changed_at = CASE WHEN a.due THEN a.changed_at ELSE now() END"

    package let connection: PostgresConnection

    package init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// Serializes everything that reads and writes these SKUs' levels and ATS, across every
    /// worker, until the transaction ends. Locks are taken in one global order (by key), after
    /// any order locks, so transactions wait for each other but never in a circle.
    package func lock(skus: some Collection<String>) throws {
        try AdvisoryLock.sku.willTake(skus, on: connection)
        try connection.query("""
            SELECT count(pg_advisory_xact_lock($2, key))
            FROM (SELECT DISTINCT hashtext(sku) AS key FROM unnest($1::text[]) AS sku ORDER BY key) AS keys
            """, [.strings(skus), .int(AdvisoryLock.sku.namespace)])
    }

    /// Takes the locks of those of these SKUs that no other transaction holds, without
    /// waiting for the others; returns the SKUs locked. Never waiting, it holds up no one
    /// in a circle, whatever it holds already.
    package func tryLock(skus: some Collection<String>) throws -> Set<String> {
        try AdvisoryLock.sku.willTake(skus, on: connection)
        let rows = try connection.query(
            "SELECT sku FROM unnest($1::text[]) AS sku WHERE pg_try_advisory_xact_lock($2, hashtext(sku))",
            [.strings(skus), .int(AdvisoryLock.sku.namespace)])
        var locked = Set<String>(minimumCapacity: rows.count)
        for row in 0..<rows.count {
            locked.insert(try rows.decode(row, as: String.self))
        }
        return locked
    }

    /// Adds orders' reservations to the levels' `order_reserved`. A level the ERP has not
    /// reported yet still carries the reservation.
    package func addOrderReservations(_ deltas: [StockKey: Int]) throws(PostgresError) {
        let changed = deltas.filter { $0.value != 0 }.sorted { $0.key < $1.key }
        guard !changed.isEmpty else { return }
        try connection.query("""
            INSERT INTO stock_levels AS s (sku, warehouse, on_hand, allocated, reserved, order_reserved)
            SELECT sku, warehouse, 0, 0, 0, delta FROM unnest($1::text[], $2::text[], $3::bigint[]) AS d(sku, warehouse, delta)
            ON CONFLICT (sku, warehouse) DO UPDATE SET order_reserved = s.order_reserved + excluded.order_reserved
            """, [.strings(changed.map(\.key.sku)), .strings(changed.map(\.key.warehouse)), .ints(changed.map(\.value))])
    }

    /// Makes these levels of `shop` due for a push again, with their ATS unchanged (a
    /// set-aside level retried, a drifted level healed). Call under the SKUs' locks.
    package func markDue(shop: String, levels: [LevelKey]) throws(PostgresError) {
        guard !levels.isEmpty else { return }
        try connection.query("""
            UPDATE available_to_sell a SET \(Self.markDue), due_since = coalesce(a.due_since, now())
            FROM unnest($2::text[], $3::text[]) AS k(sku, location)
            WHERE a.sku = k.sku AND a.shop = $1 AND a.location = k.location
            """, [.string(shop), .strings(levels.map(\.sku)), .strings(levels.map(\.location))])
    }

    /// Records that these levels of `shop` were handled up to these versions (pushed, or set
    /// aside with a problem): a level whose ATS has not moved since is no longer due. Call
    /// under the SKUs' locks, which stock workers take before they update these rows.
    package func markHandled(shop: String, levels: [LevelKey], versions: [Int]) throws(PostgresError) {
        guard !levels.isEmpty else { return }
        try connection.query("""
            UPDATE available_to_sell a
            SET pushed_version = greatest(a.pushed_version, q.version),
                due_since = CASE WHEN q.version >= a.version THEN NULL ELSE a.due_since END
            FROM unnest($2::text[], $3::text[], $4::bigint[]) AS q(sku, location, version)
            WHERE a.sku = q.sku AND a.shop = $1 AND a.location = q.location
            """, [.string(shop), .strings(levels.map(\.sku)), .strings(levels.map(\.location)), .ints(versions)])
    }

    /// Vacuums and analyses `available_to_sell` now, as autovacuum would in time: after a bulk
    /// load, so that what comes next reads neither dead rows nor stale statistics. Call
    /// outside a transaction.
    package func vacuumAvailability() throws(PostgresError) {
        try connection.query("VACUUM (ANALYZE) available_to_sell")
    }

    /// The stored levels of these keys.
    package func levels(keys: some Collection<StockKey>) throws(PostgresError) -> [StockKey: StoredLevel] {
        try levels(from: connection.query("""
            SELECT s.sku, s.warehouse, s.on_hand, s.allocated, s.reserved, s.snapshot_version, s.order_reserved
            FROM unnest($1::text[], $2::text[]) AS k(sku, warehouse)
            JOIN stock_levels s ON s.sku = k.sku AND s.warehouse = k.warehouse
            """, [.strings(keys.map(\.sku)), .strings(keys.map(\.warehouse))]))
    }

    /// Every stored level of these SKUs, in every warehouse.
    package func levels(skus: some Collection<String>) throws(PostgresError) -> [StockKey: StoredLevel] {
        try levels(from: connection.query("""
            SELECT sku, warehouse, on_hand, allocated, reserved, snapshot_version, order_reserved
            FROM stock_levels WHERE sku = ANY($1::text[])
            """, [.strings(skus)]))
    }

    private func levels(from rows: PostgresRows) throws(PostgresError) -> [StockKey: StoredLevel] {
        var levels: [StockKey: StoredLevel] = [:]
        levels.reserveCapacity(rows.count)
        for row in 0..<rows.count {
            let (sku, warehouse, onHand, allocated, reserved, snapshotVersion, orderReserved) =
                try rows.decode(row, as: (String, String, Int, Int, Int, Int, Int).self)
            let quantities = StockQuantities(onHand: onHand, allocated: allocated, reserved: reserved)
            levels[StockKey(sku: sku, warehouse: warehouse)] = StoredLevel(
                erp: StockLevel(quantities: quantities, snapshotVersion: snapshotVersion),
                orderReserved: orderReserved)
        }
        return levels
    }

    /// Sequenced adjustments already applied with a version above the given one, per key.
    package func sequencedAdjustments(above versions: [StockKey: Int]) throws(PostgresError)
        -> [StockKey: [SequencedAdjustment]]
    {
        guard !versions.isEmpty else { return [:] }
        let keys = Array(versions)
        let rows = try connection.query("""
            SELECT a.sku, a.warehouse, a.version, a.on_hand_delta, a.allocated_delta, a.reserved_delta
            FROM unnest($1::text[], $2::text[], $3::bigint[]) AS k(sku, warehouse, above)
            JOIN stock_adjustments a ON a.sku = k.sku AND a.warehouse = k.warehouse AND a.version > k.above
            """, [.strings(keys.map(\.key.sku)), .strings(keys.map(\.key.warehouse)), .ints(keys.map(\.value))])
        var adjustments: [StockKey: [SequencedAdjustment]] = [:]
        for row in 0..<rows.count {
            let (sku, warehouse, version, onHand, allocated, reserved) =
                try rows.decode(row, as: (String, String, Int, Int, Int, Int).self)
            adjustments[StockKey(sku: sku, warehouse: warehouse), default: []].append(SequencedAdjustment(
                version: version,
                delta: StockQuantities(onHand: onHand, allocated: allocated, reserved: reserved)))
        }
        return adjustments
    }

    /// Records the adjustments among `events` and returns the ids not recorded before:
    /// those, and only those, are to be applied.
    package func recordAdjustments(_ events: [StockEvent]) throws(PostgresError) -> Set<String> {
        var ids: [String] = [], skus: [String] = [], warehouses: [String] = [], versions: [Int?] = []
        var onHand: [Int] = [], allocated: [Int] = [], reserved: [Int] = [], times: [Date] = []
        for event in events {
            guard case .adjustment(let delta, let version) = event.change else { continue }
            ids.append(event.eventID)
            skus.append(event.key.sku)
            warehouses.append(event.key.warehouse)
            versions.append(version)
            onHand.append(delta.onHand)
            allocated.append(delta.allocated)
            reserved.append(delta.reserved)
            times.append(event.occurredAt)
        }
        guard !ids.isEmpty else { return [] }
        let rows = try connection.query("""
            INSERT INTO stock_adjustments
                (event_id, sku, warehouse, version, on_hand_delta, allocated_delta, reserved_delta, occurred_at)
            SELECT id, sku, warehouse, version, on_hand, allocated, reserved, to_timestamp(occurred)
            FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[],
                        $8::float8[]) AS e(id, sku, warehouse, version, on_hand, allocated, reserved, occurred)
            ON CONFLICT (event_id) DO NOTHING
            RETURNING event_id
            """, [.strings(ids), .strings(skus), .strings(warehouses), .optionalInts(versions),
                  .ints(onHand), .ints(allocated), .ints(reserved), .epochSeconds(times)])
        var recorded = Set<String>(minimumCapacity: rows.count)
        for row in 0..<rows.count {
            recorded.insert(try rows.decode(row, as: String.self))
        }
        return recorded
    }

    /// Stores these levels; `isStored` tells those that exist from new ones. A new level is a
    /// plain insert, about 40% cheaper than one that checks for a conflict first: none can
    /// arise, as every transaction that writes a SKU's levels holds the SKU's lock.
    package func saveLevels(_ levels: [StockKey: StockLevel], isStored: (StockKey) -> Bool) throws(PostgresError) {
        var stored: [(key: StockKey, value: StockLevel)] = [], new: [(key: StockKey, value: StockLevel)] = []
        for entry in levels {
            if isStored(entry.key) { stored.append(entry) } else { new.append(entry) }
        }
        if !stored.isEmpty {
            try connection.query("""
                UPDATE stock_levels s SET on_hand = l.on_hand, allocated = l.allocated, reserved = l.reserved,
                    snapshot_version = l.snapshot_version, updated_at = now()
                FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[])
                     AS l(sku, warehouse, on_hand, allocated, reserved, snapshot_version)
                WHERE s.sku = l.sku AND s.warehouse = l.warehouse
                """, Self.parameters(stored))
        }
        if !new.isEmpty {
            try connection.query("""
                INSERT INTO stock_levels (sku, warehouse, on_hand, allocated, reserved, snapshot_version)
                SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[])
                """, Self.parameters(new))
        }
    }

    private static func parameters(_ entries: [(key: StockKey, value: StockLevel)]) -> [PostgresParameter] {
        [.strings(entries.map(\.key.sku)), .strings(entries.map(\.key.warehouse)),
         .ints(entries.map(\.value.quantities.onHand)), .ints(entries.map(\.value.quantities.allocated)),
         .ints(entries.map(\.value.quantities.reserved)), .ints(entries.map(\.value.snapshotVersion))]
    }

    /// Mappings and safety buffers that decide the ATS of these SKUs.
    package func availabilityCalculator(skus: some Collection<String>) throws(PostgresError) -> AvailabilityCalculator {
        let mappingRows = try connection.query("SELECT shop, warehouse, location FROM warehouse_locations")
        let mappings = try (0..<mappingRows.count).map { row throws(PostgresError) in
            let (shop, warehouse, location) = try mappingRows.decode(row, as: (String, String, String).self)
            return WarehouseMapping(shop: shop, warehouse: warehouse, location: location)
        }
        let defaultRows = try connection.query("SELECT shop, default_safety_buffer FROM shops")
        var policy = SafetyBufferPolicy()
        for row in 0..<defaultRows.count {
            let (shop, buffer) = try defaultRows.decode(row, as: (String, Int).self)
            policy.shopDefaults[shop] = buffer
        }
        let overrideRows = try connection.query(
            "SELECT shop, sku, location, buffer FROM safety_buffers WHERE sku = ANY($1::text[])", [.strings(skus)])
        for row in 0..<overrideRows.count {
            let (shop, sku, location, buffer) = try overrideRows.decode(row, as: (String, String, String, Int).self)
            let key = SafetyBufferPolicy.SKUOverride(shop: shop, sku: sku, location: location.isEmpty ? nil : location)
            policy.overrides[key] = buffer
        }
        return AvailabilityCalculator(mappings: mappings, buffers: policy)
    }

    /// The ATS stored for these SKUs.
    package func availability(skus: some Collection<String>) throws(PostgresError) -> [AvailabilityKey: Int] {
        let rows = try connection.query(
            "SELECT shop, sku, location, available FROM available_to_sell WHERE sku = ANY($1::text[])",
            [.strings(skus)])
        var result: [AvailabilityKey: Int] = [:]
        result.reserveCapacity(rows.count)
        for row in 0..<rows.count {
            let (shop, sku, location, available) = try rows.decode(row, as: (String, String, String, Int).self)
            result[AvailabilityKey(shop: shop, sku: sku, location: location)] = available
        }
        return result
    }

    /// Stores the ATS values that differ from the stored ones and marks each due for a push
    /// (its version moves ahead of the pushed version); returns how many. `dueSince` is the
    /// ERP time of the change, for push lag.
    package func saveAvailability(_ values: [AvailabilityKey: Int], dueSince: [String: Date]) throws(PostgresError) -> Int {
        guard !values.isEmpty else { return 0 }
        let entries = Array(values)
        let now = Date()
        return try connection.query("""
            INSERT INTO available_to_sell AS a (shop, sku, location, available, due_since)
            SELECT shop, sku, location, available, to_timestamp(due)
            FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::float8[]) AS a(shop, sku, location, available, due)
            ON CONFLICT (sku, shop, location) DO UPDATE SET
                available = excluded.available, \(Self.markDue), due_since = LEAST(a.due_since, excluded.due_since)
            WHERE a.available <> excluded.available
            RETURNING 1
            """, [.strings(entries.map(\.key.shop)), .strings(entries.map(\.key.sku)),
                  .strings(entries.map(\.key.location)), .ints(entries.map(\.value)),
                  .epochSeconds(entries.map { dueSince[$0.key.sku] ?? now })]).count
    }
}

extension StockStore {
    /// The shop's ATS (`shop/redact`); the ERP's levels are no shop's.
    package func forget(shop: String) throws(PostgresError) {
        try connection.query("DELETE FROM available_to_sell WHERE shop = $1", [.string(shop)])
    }
}
