#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The stock tables (`Schemas/migrations/0001_stock.sql`). Every statement takes a whole
/// batch as arrays, so a batch costs the same handful of round trips at any size. Call
/// inside a transaction that holds the SKUs' locks (`lock(skus:)` or `tryLock(skus:)`).
public struct StockStore {
    /// Advisory-lock namespace of SKUs (the migrator uses 0; 1 was per-level locks, no longer taken).
    static let skuLockNamespace = 2

    /// The SET items, over `available_to_sell a`, that make a level due for push. A level
    /// already due keeps its `changed_at` (when it became due): its place in the outbox, and
    /// an update that leaves every indexed column alone (migration 0006).
    static let markDue = "version = a.version + 1, changed_at = CASE WHEN a.due THEN a.changed_at ELSE now() END"

    public let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// Serializes everything that reads and writes these SKUs' levels and ATS, across every
    /// worker, until the transaction ends. Locks are taken in one global order (by key), after
    /// any order locks, so transactions wait for each other but never in a circle.
    public func lock(skus: some Collection<String>) throws(StoreError) {
        try connection.query("""
            SELECT count(pg_advisory_xact_lock($2, key))
            FROM (SELECT DISTINCT hashtext(sku) AS key FROM unnest($1::text[]) AS sku ORDER BY key) AS keys
            """, [.strings(skus), .int(Self.skuLockNamespace)])
    }

    /// Takes the locks of those of these SKUs that no other transaction holds, without
    /// waiting for the others; returns the SKUs locked. Never waiting, it holds up no one
    /// in a circle, whatever it holds already.
    public func tryLock(skus: some Collection<String>) throws(StoreError) -> Set<String> {
        let rows = try connection.query(
            "SELECT sku FROM unnest($1::text[]) AS sku WHERE pg_try_advisory_xact_lock($2, hashtext(sku))",
            [.strings(skus), .int(Self.skuLockNamespace)])
        var locked = Set<String>(minimumCapacity: rows.count)
        for row in 0..<rows.count {
            locked.insert(rows.string(row, 0)!)
        }
        return locked
    }

    /// The stored levels of these keys.
    public func levels(keys: some Collection<StockKey>) throws(StoreError) -> [StockKey: StoredLevel] {
        try levels(from: connection.query("""
            SELECT s.sku, s.warehouse, s.on_hand, s.allocated, s.reserved, s.snapshot_version, s.order_reserved
            FROM unnest($1::text[], $2::text[]) AS k(sku, warehouse)
            JOIN stock_levels s ON s.sku = k.sku AND s.warehouse = k.warehouse
            """, [.strings(keys.map(\.sku)), .strings(keys.map(\.warehouse))]))
    }

    /// Every stored level of these SKUs, in every warehouse.
    public func levels(skus: some Collection<String>) throws(StoreError) -> [StockKey: StoredLevel] {
        try levels(from: connection.query("""
            SELECT sku, warehouse, on_hand, allocated, reserved, snapshot_version, order_reserved
            FROM stock_levels WHERE sku = ANY($1::text[])
            """, [.strings(skus)]))
    }

    private func levels(from rows: PostgresRows) -> [StockKey: StoredLevel] {
        var levels: [StockKey: StoredLevel] = [:]
        levels.reserveCapacity(rows.count)
        for row in 0..<rows.count {
            let quantities = StockQuantities(onHand: rows.int(row, 2)!, allocated: rows.int(row, 3)!,
                                             reserved: rows.int(row, 4)!)
            levels[StockKey(sku: rows.string(row, 0)!, warehouse: rows.string(row, 1)!)] = StoredLevel(
                erp: StockLevel(quantities: quantities, snapshotVersion: rows.int(row, 5)!),
                orderReserved: rows.int(row, 6)!)
        }
        return levels
    }

    /// Sequenced adjustments already applied with a version above the given one, per key.
    public func sequencedAdjustments(above versions: [StockKey: Int]) throws(StoreError)
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
            let key = StockKey(sku: rows.string(row, 0)!, warehouse: rows.string(row, 1)!)
            adjustments[key, default: []].append(SequencedAdjustment(
                version: rows.int(row, 2)!,
                delta: StockQuantities(onHand: rows.int(row, 3)!, allocated: rows.int(row, 4)!,
                                       reserved: rows.int(row, 5)!)))
        }
        return adjustments
    }

    /// Records the adjustments among `events` and returns the ids not recorded before:
    /// those, and only those, are to be applied.
    public func recordAdjustments(_ events: [StockEvent]) throws(StoreError) -> Set<String> {
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
        return Set((0..<rows.count).map { rows.string($0, 0)! })
    }

    /// Stores these levels; `isStored` tells those that exist from new ones. A new level is a
    /// plain insert, about 40% cheaper than one that checks for a conflict first: none can
    /// arise, as every transaction that writes a SKU's levels holds the SKU's lock.
    public func saveLevels(_ levels: [StockKey: StockLevel], isStored: (StockKey) -> Bool) throws(StoreError) {
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
    public func availabilityCalculator(skus: some Collection<String>) throws(StoreError) -> AvailabilityCalculator {
        let mappingRows = try connection.query("SELECT shop, warehouse, location FROM warehouse_locations")
        let mappings = (0..<mappingRows.count).map { row in
            WarehouseMapping(shop: mappingRows.string(row, 0)!, warehouse: mappingRows.string(row, 1)!,
                             location: mappingRows.string(row, 2)!)
        }
        let defaultRows = try connection.query("SELECT shop, default_safety_buffer FROM shops")
        var policy = SafetyBufferPolicy()
        for row in 0..<defaultRows.count {
            policy.shopDefaults[defaultRows.string(row, 0)!] = defaultRows.int(row, 1)!
        }
        let overrideRows = try connection.query(
            "SELECT shop, sku, location, buffer FROM safety_buffers WHERE sku = ANY($1::text[])", [.strings(skus)])
        for row in 0..<overrideRows.count {
            let location = overrideRows.string(row, 2)!
            let key = SafetyBufferPolicy.SKUOverride(shop: overrideRows.string(row, 0)!, sku: overrideRows.string(row, 1)!,
                                                     location: location.isEmpty ? nil : location)
            policy.overrides[key] = overrideRows.int(row, 3)!
        }
        return AvailabilityCalculator(mappings: mappings, buffers: policy)
    }

    /// The ATS stored for these SKUs.
    public func availability(skus: some Collection<String>) throws(StoreError) -> [AvailabilityKey: Int] {
        let rows = try connection.query(
            "SELECT shop, sku, location, available FROM available_to_sell WHERE sku = ANY($1::text[])",
            [.strings(skus)])
        var result: [AvailabilityKey: Int] = [:]
        result.reserveCapacity(rows.count)
        for row in 0..<rows.count {
            result[AvailabilityKey(shop: rows.string(row, 0)!, sku: rows.string(row, 1)!,
                                   location: rows.string(row, 2)!)] = rows.int(row, 3)!
        }
        return result
    }

    /// Stores the ATS values that differ from the stored ones and marks each due for a push
    /// (its version moves ahead of the pushed version); returns how many. `dueSince` is the
    /// ERP time of the change, for push lag.
    public func saveAvailability(_ values: [AvailabilityKey: Int], dueSince: [String: Date]) throws(StoreError) -> Int {
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
