/// One line of `AdminDocuments.catalogueBulkQuery`'s result: items come first, each of
/// their levels on a line of its own pointing at the item through `__parentId`.
package enum BulkInventoryLine: Sendable, Equatable {
    case item(id: String, sku: String?)
    case level(inventoryItemID: String, location: String, available: Int)
}
