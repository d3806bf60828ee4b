import Foundation
import StockSyncDomain
import TestSupport
import Testing

@Suite("Stock ledger: version ordering and exactly-once adjustments")
struct StockLedgerTests {
    static let key = StockKey(sku: "SKU-1", warehouse: "WH-1")
    static let time = Date(timeIntervalSince1970: 1_795_845_600)

    static func snapshot(_ id: String, version: Int, onHand: Int, allocated: Int = 0, reserved: Int = 0,
                         key: StockKey = key) -> StockEvent {
        StockEvent(eventID: id, key: key, occurredAt: time,
                   change: .snapshot(StockQuantities(onHand: onHand, allocated: allocated, reserved: reserved),
                                     version: version))
    }

    static func adjustment(_ id: String, onHand: Int, reserved: Int = 0, version: Int? = nil,
                           key: StockKey = key) -> StockEvent {
        StockEvent(eventID: id, key: key, occurredAt: time,
                   change: .adjustment(StockQuantities(onHand: onHand, allocated: 0, reserved: reserved),
                                       version: version))
    }

    /// Applies as the worker does: new adjustment ids are those not applied before.
    static func apply(_ events: [StockEvent], stored: [StockKey: StockLevel] = [:],
                      prior: [StockKey: [SequencedAdjustment]] = [:], alreadyApplied: Set<String> = [])
        -> [StockKey: StockLevel]
    {
        let ids = Set(events.compactMap { event -> String? in
            if case .adjustment = event.change { return event.eventID }
            return nil
        }).subtracting(alreadyApplied)
        return StockLedger.apply(events, to: stored, priorAdjustments: prior, newAdjustmentIDs: ids)
    }

    static func level(_ onHand: Int, allocated: Int = 0, reserved: Int = 0, version: Int) -> StockLevel {
        StockLevel(quantities: StockQuantities(onHand: onHand, allocated: allocated, reserved: reserved),
                   snapshotVersion: version)
    }

    @Test func firstSnapshotCreatesTheLevel() {
        let changed = Self.apply([Self.snapshot("a", version: 1, onHand: 10, allocated: 2, reserved: 1)])
        #expect(changed == [Self.key: Self.level(10, allocated: 2, reserved: 1, version: 1)])
    }

    @Test func olderOrEqualSnapshotChangesNothing() {
        let stored = [Self.key: Self.level(10, version: 5)]
        #expect(Self.apply([Self.snapshot("a", version: 4, onHand: 99)], stored: stored).isEmpty)
        #expect(Self.apply([Self.snapshot("b", version: 5, onHand: 99)], stored: stored).isEmpty)
    }

    @Test func newerSnapshotReplacesTheLevel() {
        let stored = [Self.key: Self.level(10, version: 5)]
        #expect(Self.apply([Self.snapshot("a", version: 6, onHand: 3)], stored: stored)
            == [Self.key: Self.level(3, version: 6)])
    }

    @Test func snapshotsInOneBatchKeepTheNewest() {
        let events = [Self.snapshot("a", version: 3, onHand: 30), Self.snapshot("b", version: 1, onHand: 10),
                      Self.snapshot("c", version: 2, onHand: 20)]
        #expect(Self.apply(events) == [Self.key: Self.level(30, version: 3)])
    }

    @Test func adjustmentAppliesOnceWithinABatchAndAcrossBatches() {
        let events = [Self.adjustment("x", onHand: -2), Self.adjustment("x", onHand: -2)]
        let stored = [Self.key: Self.level(10, version: 1)]
        #expect(Self.apply(events, stored: stored) == [Self.key: Self.level(8, version: 1)])
        #expect(Self.apply(events, stored: stored, alreadyApplied: ["x"]).isEmpty)
    }

    @Test func adjustmentOnAnUnknownKeyStartsFromZero() {
        #expect(Self.apply([Self.adjustment("x", onHand: 4, reserved: 1)])
            == [Self.key: Self.level(4, reserved: 1, version: 0)])
    }

    @Test func sequencedAdjustmentAlreadyInTheSnapshotIsIgnored() {
        let stored = [Self.key: Self.level(10, version: 5)]
        #expect(Self.apply([Self.adjustment("x", onHand: -1, version: 5)], stored: stored).isEmpty)
        #expect(Self.apply([Self.adjustment("y", onHand: -1, version: 6)], stored: stored)
            == [Self.key: Self.level(9, version: 5)])
    }

    @Test func newerSnapshotIsRebasedOnLaterSequencedAdjustments() {
        // Stored: snapshot v1 = 10, then adjustments v3 (-2) and v5 (-1) applied: 7.
        let stored = [Self.key: Self.level(7, version: 1)]
        let prior = [Self.key: [SequencedAdjustment(version: 3, delta: StockQuantities(onHand: -2, allocated: 0, reserved: 0)),
                                SequencedAdjustment(version: 5, delta: StockQuantities(onHand: -1, allocated: 0, reserved: 0))]]
        #expect(StockLedger.keysToRebase([Self.snapshot("s", version: 4, onHand: 20)], stored: stored) == [Self.key: 1])
        // Snapshot v4 includes v3 but not v5: 20 - 1.
        #expect(Self.apply([Self.snapshot("s", version: 4, onHand: 20)], stored: stored, prior: prior)
            == [Self.key: Self.level(19, version: 4)])
    }

    @Test func unsequencedAdjustmentBeforeASnapshotInTheBatchIsSuperseded() {
        let events = [Self.adjustment("x", onHand: 5), Self.snapshot("s", version: 2, onHand: 3)]
        #expect(Self.apply(events) == [Self.key: Self.level(3, version: 2)])
        let reversed = [Self.snapshot("s", version: 2, onHand: 3), Self.adjustment("x", onHand: 5)]
        #expect(Self.apply(reversed) == [Self.key: Self.level(8, version: 2)])
    }

    @Test func keysToRebaseNamesOnlyKeysWithANewerSnapshot() {
        let other = StockKey(sku: "SKU-2", warehouse: "WH-1")
        let stored = [Self.key: Self.level(1, version: 9), other: Self.level(1, version: 2)]
        let events = [Self.snapshot("a", version: 9, onHand: 1), Self.snapshot("b", version: 3, onHand: 1, key: other),
                      Self.adjustment("c", onHand: 1)]
        #expect(StockLedger.keysToRebase(events, stored: stored) == [other: 2])
        // A level never stored has had no adjustment applied: nothing to re-base on.
        #expect(StockLedger.keysToRebase([Self.snapshot("d", version: 4, onHand: 1)], stored: [:]).isEmpty)
    }

    /// Sequenced events, shuffled, duplicated and split into batches in any way, end in
    /// the level computed directly: the newest snapshot plus every adjustment above it.
    @Test(arguments: 0..<200)
    func sequencedEventsAreOrderIndependent(seed: UInt64) {
        var random = SeededGenerator(seed: seed)
        var events: [StockEvent] = []
        var expectedSnapshot = (version: 0, quantities: StockQuantities.zero)
        var adjustments: [(Int, StockQuantities)] = []
        for version in 1...Int.random(in: 1...30, using: &random) {
            if Bool.random(using: &random) {
                let quantities = StockQuantities(onHand: .random(in: 0...100, using: &random),
                                                 allocated: .random(in: 0...10, using: &random),
                                                 reserved: .random(in: 0...10, using: &random))
                events.append(StockEvent(eventID: "s\(version)", key: Self.key, occurredAt: Self.time,
                                         change: .snapshot(quantities, version: version)))
                expectedSnapshot = (version, quantities)
            } else {
                let delta = StockQuantities(onHand: .random(in: -5...5, using: &random), allocated: 0,
                                            reserved: .random(in: -2...2, using: &random))
                events.append(StockEvent(eventID: "a\(version)", key: Self.key, occurredAt: Self.time,
                                         change: .adjustment(delta, version: version)))
                adjustments.append((version, delta))
            }
        }
        let expected = adjustments.filter { $0.0 > expectedSnapshot.version }.map(\.1)
            .reduce(expectedSnapshot.quantities, +)

        var deliveries = events + events.filter { _ in Int.random(in: 0..<10, using: &random) == 0 }
        deliveries.shuffle(using: &random)

        // Replays the store between batches: levels, recorded adjustments.
        var stored: [StockKey: StockLevel] = [:]
        var recorded: [String: SequencedAdjustment] = [:]
        var rest = deliveries[...]
        while !rest.isEmpty {
            let batch = Array(rest.prefix(Int.random(in: 1...7, using: &random)))
            rest = rest.dropFirst(batch.count)
            let rebase = StockLedger.keysToRebase(batch, stored: stored)
            let prior = rebase.isEmpty ? [:] : [Self.key: recorded.values.filter { $0.version > rebase[Self.key]! }]
            var newIDs = Set<String>()
            for event in batch {
                if case .adjustment(let delta, let version?) = event.change, recorded[event.eventID] == nil {
                    recorded[event.eventID] = SequencedAdjustment(version: version, delta: delta)
                    newIDs.insert(event.eventID)
                }
            }
            stored.merge(StockLedger.apply(batch, to: stored, priorAdjustments: prior, newAdjustmentIDs: newIDs)) { $1 }
        }
        #expect(stored[Self.key]?.quantities == expected, "seed \(seed)")
    }
}
