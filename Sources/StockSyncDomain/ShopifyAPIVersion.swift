/// A release of the Admin API, `YYYY-MM`. Decides which compare-and-set field the
/// inventory mutations carry and whether they need an idempotency key.
package struct ShopifyAPIVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    package let year: Int
    package let month: Int

    package static let `default` = ShopifyAPIVersion(year: 2026, month: 7)
    /// Adds `changeFromQuantity` and the `@idempotent` directive.
    package static let changeFromQuantityIntroduced = ShopifyAPIVersion(year: 2026, month: 1)
    /// Makes `changeFromQuantity` and `@idempotent` mandatory, removes `compareQuantity`.
    package static let changeFromQuantityRequired = ShopifyAPIVersion(year: 2026, month: 4)

    package init(year: Int, month: Int) {
        self.year = year
        self.month = month
    }

    package init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, parts[1].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), (1...12).contains(month)
        else { return nil }
        self.init(year: year, month: month)
    }

    package var description: String {
        "\(year)-\(month < 10 ? "0" : "")\(month)"
    }

    package static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.year, lhs.month) < (rhs.year, rhs.month)
    }

    /// How a write states the quantity it expects Shopify to hold.
    package enum CompareField: String, Sendable {
        case changeFromQuantity
        case compareQuantity
    }

    package var compareField: CompareField {
        self >= Self.changeFromQuantityIntroduced ? .changeFromQuantity : .compareQuantity
    }

    /// Whether inventory mutations accept `@idempotent(key:)`.
    package var supportsIdempotencyKeys: Bool { self >= Self.changeFromQuantityIntroduced }
}
