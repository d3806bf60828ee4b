/// One level of the push outbox, with what is known of it on Shopify's side.
package struct DueLevel: Sendable, Equatable {
    package var sku: String
    package var location: String
    /// ERP available-to-sell and its version in the outbox.
    package var available: Int
    package var version: Int
    /// Shopify's inventory item for the SKU, when resolved.
    package var inventoryItemID: String?
    /// The store was asked lately and has no item with this SKU.
    package var itemMissing: Bool
    package var expectation: LevelExpectation

    package init(sku: String, location: String, available: Int, version: Int, inventoryItemID: String?,
                itemMissing: Bool = false, expectation: LevelExpectation) {
        self.sku = sku
        self.location = location
        self.available = available
        self.version = version
        self.inventoryItemID = inventoryItemID
        self.itemMissing = itemMissing
        self.expectation = expectation
    }

    package var key: LevelKey { LevelKey(sku: sku, location: location) }
}
