import Foundation

/// Reference data copied into the repository, under `Tests/Fixtures` (its README says
/// where each file came from), so that a clone needs nothing beside it.
package enum Fixtures {
    package static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures")

    /// Shopify's published Admin GraphQL introspection, API version 2025-01, gzipped.
    package static var adminSchema: String { path("shopify/admin_schema_2025-01.json.gz") }

    /// A complete order resource as the Admin API 2026-01 returns it: an `orders/create` body.
    package static func orderExample() throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path("shopify/order_example_2026-01.json"))))
    }

    package static func path(_ name: String) -> String {
        directory.appendingPathComponent(name).path
    }
}
