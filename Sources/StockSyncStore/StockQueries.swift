import StockSyncDomain
import StockSyncPostgres
/// Read-only views for operators: a SKU's ERP levels and the ATS they produce.
package struct StockQueries {
    package let connection: PostgresConnection

    package init(connection: PostgresConnection) {
        self.connection = connection
    }

    package struct WarehouseLevel: Sendable, Codable {
        package var warehouse: String
        package var onHand: Int
        package var allocated: Int
        package var reserved: Int
        /// Units held by open Shopify order reservations.
        package var orderReserved: Int
        package var snapshotVersion: Int

        /// Units the warehouse can still promise (`StoredLevel.promisable`).
        package var promisable: Int {
            StoredLevel(erp: StockLevel(quantities: StockQuantities(onHand: onHand, allocated: allocated, reserved: reserved),
                                        snapshotVersion: snapshotVersion), orderReserved: orderReserved).promisable
        }
    }

    package struct LocationAvailability: Sendable, Codable {
        package var shop: String
        package var location: String
        package var available: Int
        package var version: Int
        package var pushedVersion: Int
        package var dueForPush: Bool
    }

    package struct SKUReport: Sendable, Codable {
        package var sku: String
        package var warehouses: [WarehouseLevel]
        package var availability: [LocationAvailability]
    }

    /// Units promised to shoppers that the ERP cannot ship: order reservations beyond what
    /// each level holds, summed over every level.
    package func oversoldUnits() throws(PostgresError) -> Int {
        try connection.query("""
            SELECT coalesce(sum(greatest(0, order_reserved - greatest(0, on_hand - allocated - reserved))), 0)::bigint
            FROM stock_levels
            """).decode(0, as: Int.self)
    }

    package func report(skus: [String]) throws -> [SKUReport] {
        let levels = try connection.query("""
            SELECT sku, warehouse, on_hand, allocated, reserved, snapshot_version, order_reserved
            FROM stock_levels WHERE sku = ANY($1::text[]) ORDER BY sku, warehouse
            """, [.strings(skus)])
        let availability = try connection.query("""
            SELECT sku, shop, location, available, version, pushed_version
            FROM available_to_sell WHERE sku = ANY($1::text[]) ORDER BY sku, shop, location
            """, [.strings(skus)])
        var reports = Dictionary(uniqueKeysWithValues: skus.map { ($0, SKUReport(sku: $0, warehouses: [], availability: [])) })
        for row in 0..<levels.count {
            let (sku, warehouse, onHand, allocated, reserved, snapshotVersion, orderReserved) =
                try levels.decode(row, as: (String, String, Int, Int, Int, Int, Int).self)
            reports[sku]?.warehouses.append(WarehouseLevel(
                warehouse: warehouse, onHand: onHand, allocated: allocated,
                reserved: reserved, orderReserved: orderReserved, snapshotVersion: snapshotVersion))
        }
        for row in 0..<availability.count {
            let (sku, shop, location, available, version, pushed) =
                try availability.decode(row, as: (String, String, String, Int, Int, Int).self)
            reports[sku]?.availability.append(LocationAvailability(
                shop: shop, location: location,
                available: available, version: version, pushedVersion: pushed,
                dueForPush: version > pushed))
        }
        return skus.compactMap { reports[$0] }
    }
}
