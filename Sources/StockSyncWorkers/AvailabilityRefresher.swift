
import StockSyncDomain
import StockSyncPostgres
import StockSyncStore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The one owner of "recompute the ATS of these SKUs from their levels and store what
/// changed, under the SKUs' locks": the stock path, the order path and configuration
/// changes all come here, so the three can never compute ATS differently.
package struct AvailabilityRefresher {
    package let connection: PostgresConnection

    package init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// Recomputes the ATS of these SKUs from every warehouse's committed level (after a
    /// change of mappings or buffers), in transactions of `chunkSize` SKUs.
    @discardableResult
    package func recompute(skus: [String], chunkSize: Int = 1_000) throws -> Int {
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
            return try Self.refresh(skus: skus, dueSince: dueSince, store: store)
        }
    }

    /// Computes the ATS of `skus` from every warehouse's level and stores the values that
    /// differ from what is stored. Returns how many changed. Call under the SKUs' locks.
    package static func refresh(skus: Set<String>, dueSince: [String: Date], store: StockStore) throws -> Int {
        guard !skus.isEmpty else { return 0 }
        let levels = try store.levels(skus: skus)
        let calculator = try store.availabilityCalculator(skus: skus)
        let stored = try store.availability(skus: skus)
        var shownAt: [String: [ShopLocation]] = [:]
        for key in stored.keys {
            shownAt[key.sku, default: []].append(key.shopLocation)
        }
        var stock: [String: [String: StockQuantities]] = [:]
        for (key, level) in levels {
            stock[key.sku, default: [:]][key.warehouse] = level.quantitiesForAvailability
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
