#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What one batch changed.
public struct StockBatchOutcome: Equatable, Sendable {
    public var events = 0
    public var levelsChanged = 0
    public var availabilityChanged = 0

    public static func + (lhs: StockBatchOutcome, rhs: StockBatchOutcome) -> StockBatchOutcome {
        StockBatchOutcome(events: lhs.events + rhs.events, levelsChanged: lhs.levelsChanged + rhs.levelsChanged,
                          availabilityChanged: lhs.availabilityChanged + rhs.availabilityChanged)
    }
}

/// Applies a batch of stock events in one transaction: the ERP levels, then the ATS of
/// every level they feed, marked due for push. Applying the same batch again changes
/// nothing, which is what makes redelivery after a crash harmless.
public struct StockBatchApplier {
    public let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    public func apply(_ events: [StockEvent]) throws -> StockBatchOutcome {
        guard !events.isEmpty else { return StockBatchOutcome() }
        return try connection.transaction { connection in
            let store = StockStore(connection: connection)
            let skus = Set(events.map(\.key.sku))
            try store.lock(skus: skus)
            let stored = try store.levels(skus: skus)
            let prior = try store.sequencedAdjustments(above: StockLedger.keysToRebase(events, stored: stored))
            let newAdjustments = try store.recordAdjustments(events)
            let changed = StockLedger.apply(events, to: stored, priorAdjustments: prior,
                                            newAdjustmentIDs: newAdjustments)
            try store.saveLevels(changed)

            var current = stored
            current.merge(changed) { $1 }
            var eventTimes: [String: Date] = [:]
            for event in events {
                eventTimes[event.key.sku] = min(eventTimes[event.key.sku] ?? event.occurredAt, event.occurredAt)
            }
            let availability = try refreshAvailability(
                skus: Set(changed.keys.map(\.sku)), levels: current, dueSince: eventTimes, store: store)
            return StockBatchOutcome(events: events.count, levelsChanged: changed.count,
                                     availabilityChanged: availability)
        }
    }

    /// Recomputes the ATS of these SKUs after a change of mappings or buffers, in
    /// transactions of `chunkSize` SKUs.
    @discardableResult
    public func recompute(skus: [String], chunkSize: Int = 1_000) throws -> Int {
        var changed = 0
        for start in stride(from: 0, to: skus.count, by: chunkSize) {
            let chunk = Set(skus[start..<min(start + chunkSize, skus.count)])
            changed += try connection.transaction { connection in
                let store = StockStore(connection: connection)
                try store.lock(skus: chunk)
                return try refreshAvailability(skus: chunk, levels: try store.levels(skus: chunk), dueSince: [:],
                                               store: store)
            }
        }
        return changed
    }

    /// Computes the ATS of `skus` from `levels` (all of their warehouses) and stores the
    /// values that differ from what is stored. Returns how many changed.
    private func refreshAvailability(skus: Set<String>, levels: [StockKey: StockLevel], dueSince: [String: Date],
                                     store: StockStore) throws -> Int {
        guard !skus.isEmpty else { return 0 }
        let calculator = try store.availabilityCalculator(skus: skus)
        let stored = try store.availability(skus: skus)
        var shownAt: [String: [ShopLocation]] = [:]
        for key in stored.keys where skus.contains(key.sku) {
            shownAt[key.sku, default: []].append(key.shopLocation)
        }
        var stock: [String: [String: StockQuantities]] = [:]
        for (key, level) in levels where skus.contains(key.sku) {
            stock[key.sku, default: [:]][key.warehouse] = level.quantities
        }
        var changes: [AvailabilityKey: Int] = [:]
        for sku in skus {
            let computed = calculator.availability(sku: sku, stock: stock[sku] ?? [:], alsoAt: shownAt[sku] ?? [])
            for (location, available) in computed {
                let key = AvailabilityKey(shop: location.shop, sku: sku, location: location.location)
                if stored[key] != available { changes[key] = available }
            }
        }
        try store.saveAvailability(changes, dueSince: dueSince)
        return changes.count
    }
}
