/// What the store holds for one (SKU, warehouse).
package struct StockLevel: Hashable, Sendable {
    package var quantities: StockQuantities
    /// The ledger version of the newest snapshot applied; 0 before the first.
    package var snapshotVersion: Int

    package static let unknown = StockLevel(quantities: .zero, snapshotVersion: 0)

    package init(quantities: StockQuantities, snapshotVersion: Int) {
        self.quantities = quantities
        self.snapshotVersion = snapshotVersion
    }
}

/// A level as the store holds it: the ERP's part, which the ledger keeps, and the units
/// open Shopify order reservations hold, which ATS subtracts as well.
package struct StoredLevel: Hashable, Sendable {
    package var erp: StockLevel
    package var orderReserved: Int

    package init(erp: StockLevel, orderReserved: Int) {
        self.erp = erp
        self.orderReserved = orderReserved
    }

    /// Units the warehouse can still promise to new orders (what ATS sums, before safety
    /// buffers); negative when over-committed.
    package var promisable: Int { quantitiesForAvailability.net }

    /// The quantities ATS counts: `reserved` is the ERP's reservations and the orders'.
    package var quantitiesForAvailability: StockQuantities {
        StockQuantities(onHand: erp.quantities.onHand, allocated: erp.quantities.allocated,
                        reserved: erp.quantities.reserved + orderReserved)
    }
}

/// An adjustment that carries its ledger version, kept so that a newer snapshot can be
/// re-based on the movements that came after it.
package struct SequencedAdjustment: Hashable, Sendable {
    package var version: Int
    package var delta: StockQuantities

    package init(version: Int, delta: StockQuantities) {
        self.version = version
        self.delta = delta
    }
}

/// Applies `stock-changed` events to stored levels. The result does not depend on the
/// order or repetition of deliveries for sequenced events:
/// level = newest snapshot + every sequenced adjustment above its version,
/// plus unsequenced adjustments that arrived after that snapshot.
package enum StockLedger {
    /// Keys for which `events` hold a snapshot newer than the stored one, with the stored
    /// snapshot version: their already-applied sequenced adjustments above that version
    /// must be loaded before `apply`. A key with no stored level has none (applying an
    /// adjustment stores its level), so it is not named.
    package static func keysToRebase(
        _ events: [StockEvent],
        stored: [StockKey: StockLevel]
    ) -> [StockKey: Int] {
        var keys: [StockKey: Int] = [:]
        for event in events {
            guard case .snapshot(_, let version) = event.change, let level = stored[event.key] else { continue }
            if version > level.snapshotVersion { keys[event.key] = level.snapshotVersion }
        }
        return keys
    }

    /// Applies `events` in delivery order and returns the levels that differ from `stored`
    /// (and every key seen for the first time).
    /// - Parameters:
    ///   - priorAdjustments: sequenced adjustments applied before this batch with versions
    ///     above the stored snapshot, for the keys `keysToRebase` named.
    ///   - newAdjustmentIDs: the adjustments of this batch not applied before.
    package static func apply(
        _ events: [StockEvent],
        to stored: [StockKey: StockLevel],
        priorAdjustments: [StockKey: [SequencedAdjustment]],
        newAdjustmentIDs: Set<String>
    ) -> [StockKey: StockLevel] {
        struct Working {
            var level: StockLevel
            var sequenced: [SequencedAdjustment]
        }
        var working: [StockKey: Working] = [:]
        var appliedInBatch = Set<String>()

        for event in events {
            var state = working[event.key]
                ?? Working(level: stored[event.key] ?? .unknown, sequenced: priorAdjustments[event.key] ?? [])
            switch event.change {
            case .snapshot(let quantities, let version):
                if version > state.level.snapshotVersion {
                    let later = state.sequenced.lazy.filter { $0.version > version }.map(\.delta)
                    state.level = StockLevel(quantities: later.reduce(quantities, +), snapshotVersion: version)
                }
            case .adjustment(let delta, let version):
                guard newAdjustmentIDs.contains(event.eventID), appliedInBatch.insert(event.eventID).inserted else {
                    break
                }
                if let version {
                    state.sequenced.append(SequencedAdjustment(version: version, delta: delta))
                    if version > state.level.snapshotVersion { state.level.quantities = state.level.quantities + delta }
                } else {
                    state.level.quantities = state.level.quantities + delta
                }
            }
            working[event.key] = state
        }

        var changed: [StockKey: StockLevel] = [:]
        for (key, state) in working where stored[key] != state.level {
            changed[key] = state.level
        }
        return changed
    }
}
