/// A shop named that was never added.
package struct UnknownShop: Error, CustomStringConvertible {
    package let shop: String
    package var description: String { "unknown shop \(shop): add it with `stocksync shop add \(shop)`" }
}
