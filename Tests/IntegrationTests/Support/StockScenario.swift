import Foundation
import StockSyncAMQP
import StockSyncPostgres
import StockSyncStore
import StockSyncWorkers
import TestSupport

/// A catalogue of stock events and the state they must end in, computed here by plain
/// arithmetic (not by the code under test): each level is its newest snapshot plus the
/// sequenced adjustments above it, or the sum of its unsequenced adjustments; each ATS is
/// the sum of its warehouses' net minus its buffer, floored at 0.
struct StockScenario {
    struct Quantities: Equatable {
        var onHand = 0, allocated = 0, reserved = 0
    }

    static let shopA = "a.myshopify.com"
    static let shopB = "b.myshopify.com"
    static let warehouses = ["WH-1", "WH-2", "WH-3", "WH-4"]
    /// WH-1 and WH-2 feed one location of shop A; WH-1 also feeds shop B.
    static let mappings: [(shop: String, warehouse: String, location: String)] = [
        (shopA, "WH-1", "gid://shopify/Location/1"), (shopA, "WH-2", "gid://shopify/Location/1"),
        (shopA, "WH-3", "gid://shopify/Location/2"), (shopA, "WH-4", "gid://shopify/Location/3"),
        (shopB, "WH-1", "gid://shopify/Location/9"),
    ]
    static let shopBuffers = [shopA: 2, shopB: 0]

    var messages: [[UInt8]] = []
    var expectedLevels: [String: Quantities] = [:]  // "sku|warehouse"
    var skus: [String] = []

    /// `eventCount` events over `skuCount` SKUs × 4 warehouses, shuffled, with
    /// `duplicateShare` of them delivered twice.
    init(seed: UInt64, skuCount: Int, eventCount: Int, duplicateShare: Double = 0.1) {
        var random = SeededGenerator(seed: seed)
        skus = (0..<skuCount).map { String(format: "SKU-%05d", $0) }
        let keys = skus.flatMap { sku in Self.warehouses.map { (sku, $0) } }
        // Every key gets at least one event; the rest are spread at random.
        var counts = [Int](repeating: 1, count: keys.count)
        for _ in 0..<(eventCount - keys.count) { counts[Int.random(in: 0..<keys.count, using: &random)] += 1 }

        var events: [[UInt8]] = []
        for (index, (sku, warehouse)) in keys.enumerated() {
            let id = "\(sku)|\(warehouse)"
            if index % 10 == 9 {
                // Unsequenced adjustments only: they commute.
                var total = Quantities()
                for n in 0..<counts[index] {
                    let delta = Int.random(in: -5...20, using: &random)
                    total.onHand += delta
                    events.append(Self.adjustment(id: "\(id)|u\(n)", sku: sku, warehouse: warehouse, delta: delta,
                                                  version: nil))
                }
                expectedLevels[id] = total
                continue
            }
            var snapshot: (version: Int, quantities: Quantities) = (0, Quantities())
            var adjustments: [(Int, Int)] = []
            for version in 1...counts[index] {
                if version == 1 || Int.random(in: 0..<3, using: &random) == 0 {
                    let quantities = Quantities(onHand: .random(in: 0...100, using: &random),
                                                allocated: .random(in: 0...10, using: &random),
                                                reserved: .random(in: 0...10, using: &random))
                    snapshot = (version, quantities)
                    events.append(Self.snapshot(id: "\(id)|s\(version)", sku: sku, warehouse: warehouse,
                                                version: version, quantities: quantities))
                } else {
                    let delta = Int.random(in: -10...10, using: &random)
                    adjustments.append((version, delta))
                    events.append(Self.adjustment(id: "\(id)|a\(version)", sku: sku, warehouse: warehouse,
                                                  delta: delta, version: version))
                }
            }
            var level = snapshot.quantities
            level.onHand += adjustments.filter { $0.0 > snapshot.version }.map(\.1).reduce(0, +)
            expectedLevels[id] = level
        }
        let duplicates = events.filter { _ in Double.random(in: 0..<1, using: &random) < duplicateShare }
        messages = (events + duplicates).shuffled(using: &random)
    }

    /// Buffer overrides the scenario configures (shop, sku, location or nil, units).
    static let bufferOverrides: [(String, String, String?, Int)] = [
        (shopA, "SKU-00007", nil, 5), (shopA, "SKU-00011", "gid://shopify/Location/2", 0),
    ]

    /// The ATS every (shop, sku, location) must show.
    var expectedAvailability: [String: Int] {
        var result: [String: Int] = [:]
        let locations = Set(Self.mappings.map { "\($0.shop)|\($0.location)" })
        for sku in skus {
            for shopLocation in locations {
                let parts = shopLocation.split(separator: "|").map(String.init)
                let (shop, location) = (parts[0], parts[1])
                let net = Self.mappings.filter { $0.shop == shop && $0.location == location }.map { mapping in
                    let level = expectedLevels["\(sku)|\(mapping.warehouse)"]!
                    return level.onHand - level.allocated - level.reserved
                }.reduce(0, +)
                let buffer = Self.bufferOverrides.first { $0.0 == shop && $0.1 == sku && $0.2 == location }?.3
                    ?? Self.bufferOverrides.first { $0.0 == shop && $0.1 == sku && $0.2 == nil }?.3
                    ?? Self.shopBuffers[shop]!
                result["\(shop)|\(sku)|\(location)"] = max(0, net - buffer)
            }
        }
        return result
    }

    static func configure(_ connection: PostgresConnection) throws {
        let store = ShopConfiguration(connection: connection)
        for (shop, buffer) in shopBuffers { try store.upsertShop(shop, defaultSafetyBuffer: buffer) }
        for mapping in mappings {
            try store.map(shop: mapping.shop, warehouse: mapping.warehouse, location: mapping.location)
        }
        for (shop, sku, location, units) in bufferOverrides {
            try store.setSafetyBuffer(shop: shop, sku: sku, location: location, buffer: units)
        }
    }

    static func snapshot(id: String, sku: String, warehouse: String, version: Int, quantities: Quantities) -> [UInt8] {
        Array(StockMessages.snapshot(id: id, sku: sku, warehouse: warehouse, version: version, onHand: quantities.onHand,
                                     allocated: quantities.allocated, reserved: quantities.reserved).utf8)
    }

    static func adjustment(id: String, sku: String, warehouse: String, delta: Int, version: Int?) -> [UInt8] {
        Array(StockMessages.adjustment(id: id, sku: sku, warehouse: warehouse, onHandDelta: delta, version: version).utf8)
    }

    /// What the database holds now, in the same shape as the expectations.
    static func actualLevels(_ connection: PostgresConnection) throws -> [String: Quantities] {
        let rows = try connection.query("SELECT sku, warehouse, on_hand, allocated, reserved FROM stock_levels")
        var result: [String: Quantities] = [:]
        for row in 0..<rows.count {
            let (sku, warehouse, onHand, allocated, reserved) = try rows.decode(row, as: (String, String, Int, Int, Int).self)
            result["\(sku)|\(warehouse)"] = Quantities(onHand: onHand, allocated: allocated, reserved: reserved)
        }
        return result
    }

    static func actualAvailability(_ connection: PostgresConnection) throws -> [String: Int] {
        let rows = try connection.query("SELECT shop, sku, location, available FROM available_to_sell")
        var result: [String: Int] = [:]
        for row in 0..<rows.count {
            let (shop, sku, location, available) = try rows.decode(row, as: (String, String, String, Int).self)
            result["\(shop)|\(sku)|\(location)"] = available
        }
        return result
    }

    /// How many different adjustments the messages hold (the rest are snapshots and duplicates):
    /// the rows `stock_adjustments` ends with when each is applied exactly once.
    var distinctAdjustmentCount: Int {
        Set(messages.filter { String(decoding: $0, as: UTF8.self).contains("\"adjustment\"") }).count
    }

    /// Publishes every message, confirmed, in batches.
    func publish(to broker: AMQPConnection) throws {
        for start in stride(from: 0, to: messages.count, by: 1_000) {
            try broker.publish(messages[start..<min(start + 1_000, messages.count)].map {
                OutgoingMessage(routingKey: QueueTopology.stockChanged, body: $0)
            })
        }
    }

    /// Whether the database holds exactly the expected state (and, if not, a few differences).
    func difference(_ connection: PostgresConnection) throws -> String? {
        let levels = try Self.actualLevels(connection)
        let availability = try Self.actualAvailability(connection)
        let expectedAvailability = self.expectedAvailability
        var differences: [String] = []
        for (key, expected) in expectedLevels where levels[key] != expected {
            differences.append("level \(key): expected \(expected), found \(levels[key].map { "\($0)" } ?? "none")")
        }
        for (key, expected) in expectedAvailability where availability[key] != expected {
            differences.append("ATS \(key): expected \(expected), found \(availability[key].map { "\($0)" } ?? "none")")
        }
        if levels.count != expectedLevels.count { differences.append("\(levels.count) levels, expected \(expectedLevels.count)") }
        if availability.count != expectedAvailability.count {
            differences.append("\(availability.count) ATS rows, expected \(expectedAvailability.count)")
        }
        guard !differences.isEmpty else { return nil }
        return "\(differences.count) differences, e.g. " + differences.prefix(5).joined(separator: "; ")
    }
}
