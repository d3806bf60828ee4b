/// Read-only views for operators: a SKU's ERP levels and the ATS they produce.
public struct StockQueries {
    public let connection: PostgresConnection

    public init(connection: PostgresConnection) {
        self.connection = connection
    }

    public struct WarehouseLevel: Sendable, Codable {
        public var warehouse: String
        public var onHand: Int
        public var allocated: Int
        public var reserved: Int
        /// Units held by open Shopify order reservations.
        public var orderReserved: Int
        public var snapshotVersion: Int
    }

    public struct LocationAvailability: Sendable, Codable {
        public var shop: String
        public var location: String
        public var available: Int
        public var version: Int
        public var pushedVersion: Int
        public var dueForPush: Bool
    }

    public struct SKUReport: Sendable, Codable {
        public var sku: String
        public var warehouses: [WarehouseLevel]
        public var availability: [LocationAvailability]
    }

    public func report(skus: [String]) throws -> [SKUReport] {
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
            reports[levels.string(row, 0)!]?.warehouses.append(WarehouseLevel(
                warehouse: levels.string(row, 1)!, onHand: levels.int(row, 2)!, allocated: levels.int(row, 3)!,
                reserved: levels.int(row, 4)!, orderReserved: levels.int(row, 6)!, snapshotVersion: levels.int(row, 5)!))
        }
        for row in 0..<availability.count {
            let version = availability.int(row, 4)!, pushed = availability.int(row, 5)!
            reports[availability.string(row, 0)!]?.availability.append(LocationAvailability(
                shop: availability.string(row, 1)!, location: availability.string(row, 2)!,
                available: availability.int(row, 3)!, version: version, pushedVersion: pushed,
                dueForPush: version > pushed))
        }
        return skus.compactMap { reports[$0] }
    }
}
