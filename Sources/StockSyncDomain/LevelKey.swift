/// One inventory level of a shop: a SKU at one of its locations.
package struct LevelKey: Hashable, Sendable {
    package var sku: String
    package var location: String

    package init(sku: String, location: String) {
        self.sku = sku
        self.location = location
    }
}
