import StockSyncDomain
import StockSyncPostgres
import StockSyncStore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What one batch changed.
package struct StockBatchOutcome: Equatable, Sendable {
    package var events = 0
    package var levelsChanged = 0
    package var availabilityChanged = 0

    package init(events: Int = 0, levelsChanged: Int = 0, availabilityChanged: Int = 0) {
        self.events = events
        self.levelsChanged = levelsChanged
        self.availabilityChanged = availabilityChanged
    }

    package static func + (lhs: StockBatchOutcome, rhs: StockBatchOutcome) -> StockBatchOutcome {
        StockBatchOutcome(events: lhs.events + rhs.events, levelsChanged: lhs.levelsChanged + rhs.levelsChanged,
                          availabilityChanged: lhs.availabilityChanged + rhs.availabilityChanged)
    }
}

/// Applies a batch of stock events: the ERP levels, then the ATS at every location fed by a
/// warehouse the batch touched, marked due for push where it changed; all of a SKU's events
/// in one transaction that holds the SKU's lock.
///
/// Concurrent workers' batches nearly always share a few SKUs, and waiting for those locks
/// would make the workers take turns. So a batch first takes, without waiting, the locks no
/// one holds and applies those SKUs' events; then the same again for the few left; what is
/// still held then follows in a transaction that waits for its locks (so do SKUs with a
/// fulfilment: their orders are locked first). A crash between them is harmless: the batch
/// is redelivered, and applying the parts already committed again changes nothing.
package struct StockBatchApplier {
    package let connection: PostgresConnection

    package init(connection: PostgresConnection) {
        self.connection = connection
    }

    package func apply(_ events: [StockEvent]) throws -> StockBatchOutcome {
        guard !events.isEmpty else { return StockBatchOutcome() }
        var dueSince: [String: Date] = [:]
        for event in events {
            dueSince[event.key.sku] = min(dueSince[event.key.sku] ?? event.occurredAt, event.occurredAt)
        }
        let fulfilled = Set(events.lazy.filter { $0.fulfilment != nil }.map(\.key.sku))
        var outcome = StockBatchOutcome()
        var waiting = events
        // Twice: a SKU another worker held at first is nearly always free again once this
        // worker's first transaction commits, as the other's took about as long.
        for _ in 1...2 where !waiting.isEmpty {
            let applied: StockBatchOutcome
            (applied, waiting) = try connection.transaction { connection in
                let store = StockStore(connection: connection)
                let locked = try store.tryLock(skus: Set(waiting.lazy.map(\.key.sku)).subtracting(fulfilled))
                var now: [StockEvent] = [], later: [StockEvent] = []
                for event in waiting {
                    if locked.contains(event.key.sku) { now.append(event) } else { later.append(event) }
                }
                return (try applyLocked(now, store: store, dueSince: dueSince), later)
            }
            outcome = outcome + applied
        }
        guard !waiting.isEmpty else { return outcome }
        return try outcome + connection.transaction { connection in
            var skus = Set(waiting.map(\.key.sku))
            let orders = Set(waiting.compactMap { $0.fulfilment?.line.order })
            if !orders.isEmpty {
                let orderStore = OrderStore(connection: connection)
                try orderStore.lock(orders: orders)
                skus.formUnion(try orderStore.skus(of: orders))
            }
            let store = StockStore(connection: connection)
            try store.lock(skus: skus)
            return try applyLocked(waiting, store: store, dueSince: dueSince)
        }
    }

    /// Applies events whose SKUs (and the orders of whose fulfilments, with their SKUs) this
    /// transaction has locked. ATS is recomputed only at the locations the events'
    /// warehouses feed, from the levels those locations sum, read once with the batch's own
    /// (all of a SKU's after a fulfilment); the upsert compares with the stored ATS.
    private func applyLocked(_ events: [StockEvent], store: StockStore,
                             dueSince: [String: Date]) throws -> StockBatchOutcome {
        guard !events.isEmpty else { return StockBatchOutcome() }
        let keys = Set(events.map(\.key))
        let calculator = try store.availabilityCalculator(skus: Set(keys.map(\.sku)))
        let reach = calculator.reach(of: keys)
        var levels = try store.levels(keys: keys.union(reach.levels))
        let stored = levels.mapValues(\.erp)
        let prior = try store.sequencedAdjustments(above: StockLedger.keysToRebase(events, stored: stored))
        let newAdjustments = try store.recordAdjustments(events)
        let changed = StockLedger.apply(events, to: stored, priorAdjustments: prior, newAdjustmentIDs: newAdjustments)
        try store.saveLevels(changed) { stored[$0] != nil }
        var unseen = newAdjustments  // a fulfilment delivered twice in one batch counts once
        let fulfilments = events.filter { $0.fulfilment != nil && unseen.remove($0.eventID) != nil }
        guard fulfilments.isEmpty else {
            try consumeReservations(of: fulfilments, on: store.connection)
            // Settling a shipped line can move its reservation in any warehouse of the SKU.
            let availabilityChanged = try AvailabilityRefresher.refresh(skus: Set(keys.map(\.sku)), dueSince: dueSince,
                                                                   store: store)
            return StockBatchOutcome(events: events.count, levelsChanged: changed.count,
                                     availabilityChanged: availabilityChanged)
        }
        for (key, level) in changed {
            levels[key, default: StoredLevel(erp: level, orderReserved: 0)].erp = level
        }
        let values = calculator.availability(in: reach) { levels[$0]?.quantitiesForAvailability }
        return StockBatchOutcome(events: events.count, levelsChanged: changed.count,
                                 availabilityChanged: try store.saveAvailability(values, dueSince: dueSince))
    }

    /// Shipped order lines give up their reservations, once (only fulfilments recorded now
    /// for the first time come here).
    private func consumeReservations(of fulfilments: [StockEvent], on connection: PostgresConnection) throws {
        let store = OrderStore(connection: connection)
        var book = try store.lockAndLoad(orders: Set(fulfilments.map { $0.fulfilment!.line.order }),
                                         skus: Set(fulfilments.map(\.key.sku)))
        for event in fulfilments {
            book.fulfil(event.fulfilment!.line, warehouse: event.key.warehouse, sku: event.key.sku,
                        quantity: event.fulfilment!.quantity)
        }
        try store.save(book)
    }
}
