/// One quantity of an `inventorySetQuantities` call.
package struct PushQuantity: Sendable, Equatable, Codable {
    package var sku: String
    package var inventoryItemID: String
    package var location: String
    package var quantity: Int
    /// The quantity Shopify must hold for the write to apply.
    package var changeFrom: Int
    /// The outbox version this write carries.
    package var version: Int

    package init(sku: String, inventoryItemID: String, location: String, quantity: Int, changeFrom: Int, version: Int) {
        self.sku = sku
        self.inventoryItemID = inventoryItemID
        self.location = location
        self.quantity = quantity
        self.changeFrom = changeFrom
        self.version = version
    }

    package var key: LevelKey { LevelKey(sku: sku, location: location) }
}
