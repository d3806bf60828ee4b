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

    public init(events: Int = 0, levelsChanged: Int = 0, availabilityChanged: Int = 0) {
        self.events = events
        self.levelsChanged = levelsChanged
        self.availabilityChanged = availabilityChanged
    }

    public static func + (lhs: StockBatchOutcome, rhs: StockBatchOutcome) -> StockBatchOutcome {
        StockBatchOutcome(events: lhs.events + rhs.events, levelsChanged: lhs.levelsChanged + rhs.levelsChanged,
                          availabilityChanged: lhs.availabilityChanged + rhs.availabilityChanged)
    }
}

/// Applies a batch of stock events in two short transactions: first the ERP levels, under
/// per-level locks; then, under per-SKU locks, the ATS at every location fed by a warehouse
/// the batch touched, marked due for push where it changed. Splitting them keeps each lock
/// briefly held, so concurrent workers, whose batches nearly always share SKUs, overlap
/// instead of taking turns. A crash between the two is harmless: the batch is redelivered,
/// its levels are already applied (a no-op), and the second step recomputes the same ATS,
/// changed or not.
public struct StockBatchApplier {
    public let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    public func apply(_ events: [StockEvent]) throws -> StockBatchOutcome {
        guard !events.isEmpty else { return StockBatchOutcome() }
        let changed = try connection.transaction { connection in
            let store = StockStore(connection: connection)
            let keys = Set(events.map(\.key))
            try store.lock(levels: keys)
            let stored = try store.levels(keys: keys)
            let prior = try store.sequencedAdjustments(above: StockLedger.keysToRebase(events, stored: stored))
            let newAdjustments = try store.recordAdjustments(events)
            let changed = StockLedger.apply(events, to: stored, priorAdjustments: prior,
                                            newAdjustmentIDs: newAdjustments)
            try store.saveLevels(changed)
            var unseen = newAdjustments  // a fulfilment delivered twice in one batch counts once
            try consumeReservations(of: events.filter { $0.fulfilment != nil && unseen.remove($0.eventID) != nil },
                                    on: connection)
            return changed
        }
        var eventTimes: [String: Date] = [:]
        for event in events {
            eventTimes[event.key.sku] = min(eventTimes[event.key.sku] ?? event.occurredAt, event.occurredAt)
        }
        let availability = try refreshAvailability(fedBy: Set(events.map(\.key)), dueSince: eventTimes)
        return StockBatchOutcome(events: events.count, levelsChanged: changed.count, availabilityChanged: availability)
    }

    /// Shipped order lines give up their reservations, once (only fulfilments recorded now
    /// for the first time come here). The ATS step after this sees both the lower on_hand
    /// and the lower reservation.
    private func consumeReservations(of fulfilments: [StockEvent], on connection: PostgresConnection) throws {
        guard !fulfilments.isEmpty else { return }
        let store = OrderStore(connection: connection)
        var book = try store.lockAndLoad(orders: Set(fulfilments.map { $0.fulfilment!.line.order }),
                                         skus: Set(fulfilments.map(\.key.sku)))
        for event in fulfilments {
            book.fulfil(event.fulfilment!.line, warehouse: event.key.warehouse, sku: event.key.sku,
                        quantity: event.fulfilment!.quantity)
        }
        try store.save(book)
    }

    /// Recomputes, in one transaction that holds the SKUs' locks, the ATS of each key's SKU
    /// at the locations its warehouse feeds: only they can have changed. Reads just the levels
    /// those locations sum, and leaves the comparison with the stored ATS to the upsert.
    private func refreshAvailability(fedBy keys: Set<StockKey>, dueSince: [String: Date]) throws -> Int {
        try connection.transaction { connection in
            let store = StockStore(connection: connection)
            let skus = Set(keys.map(\.sku))
            try store.lock(skus: skus)
            let calculator = try store.availabilityCalculator(skus: skus)
            var affected: [String: Set<ShopLocation>] = [:]
            var summed: Set<StockKey> = []
            for key in keys {
                for location in calculator.locations(fedBy: key.warehouse)
                where affected[key.sku, default: []].insert(location).inserted {
                    for warehouse in calculator.warehouses(feeding: location) {
                        summed.insert(StockKey(sku: key.sku, warehouse: warehouse))
                    }
                }
            }
            var stock: [String: [String: StockQuantities]] = [:]
            for (key, level) in try store.levelsForAvailability(keys: summed) {
                stock[key.sku, default: [:]][key.warehouse] = level.quantities
            }
            var values: [AvailabilityKey: Int] = [:]
            for (sku, locations) in affected {
                for (location, available) in calculator.availability(sku: sku, stock: stock[sku] ?? [:], at: locations) {
                    values[AvailabilityKey(shop: location.shop, sku: sku, location: location.location)] = available
                }
            }
            return try store.saveAvailability(values, dueSince: dueSince)
        }
    }

    /// Recomputes the ATS of these SKUs after a change of mappings or buffers, in
    /// transactions of `chunkSize` SKUs.
    @discardableResult
    public func recompute(skus: [String], chunkSize: Int = 1_000) throws -> Int {
        var changed = 0
        for start in stride(from: 0, to: skus.count, by: chunkSize) {
            changed += try recompute(skus: Set(skus[start..<min(start + chunkSize, skus.count)]), dueSince: [:])
        }
        return changed
    }

    /// Recomputes the ATS of these SKUs from every warehouse's committed level, in one
    /// transaction that holds their locks.
    private func recompute(skus: Set<String>, dueSince: [String: Date]) throws -> Int {
        try connection.transaction { connection in
            let store = StockStore(connection: connection)
            try store.lock(skus: skus)
            return try Self.refreshAvailability(skus: skus, dueSince: dueSince, store: store)
        }
    }

    /// Computes the ATS of `skus` from every warehouse's level and stores the values that
    /// differ from what is stored. Returns how many changed. Call under the SKUs' locks.
    static func refreshAvailability(skus: Set<String>, dueSince: [String: Date], store: StockStore) throws -> Int {
        guard !skus.isEmpty else { return 0 }
        let levels = try store.levelsForAvailability(skus: skus)
        let calculator = try store.availabilityCalculator(skus: skus)
        let stored = try store.availability(skus: skus)
        var shownAt: [String: [ShopLocation]] = [:]
        for key in stored.keys {
            shownAt[key.sku, default: []].append(key.shopLocation)
        }
        var stock: [String: [String: StockQuantities]] = [:]
        for (key, level) in levels {
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
        return try store.saveAvailability(changes, dueSince: dueSince)
    }
}
