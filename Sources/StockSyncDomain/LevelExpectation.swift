/// What we believe one Shopify inventory level holds, so that a push can be a
/// compare-and-set that never undoes a deduction Shopify made itself.
///
/// `expected` is the `available` quantity Shopify last confirmed, moved by every deduction
/// we learn of since. `unreservedSold` counts units Shopify deducted (orders we have not
/// seen as ERP reservations yet); they are held back from every push until the order
/// reaches the ERP, so a push computed before the order arrived cannot sell them again.
package struct LevelExpectation: Sendable, Equatable {
    package var expected: Int?
    package var unreservedSold: Int

    package init(expected: Int? = nil, unreservedSold: Int = 0) {
        self.expected = expected
        self.unreservedSold = unreservedSold
    }

    /// The quantity to set for an ERP available-to-sell of `available`.
    package func target(forAvailable available: Int) -> Int {
        max(0, available - unreservedSold)
    }

    /// Shopify confirmed it now holds `quantity`.
    package mutating func confirmed(_ quantity: Int) {
        expected = quantity
    }

    /// Shopify refused a push as stale and then showed `actual`. A shortfall against what we
    /// expected is units sold that the ERP has not reserved yet; a surplus (someone added
    /// stock in Shopify's admin) is simply overwritten by the next push.
    package mutating func observedStale(actual: Int) {
        if let expected, expected > actual {
            unreservedSold += expected - actual
        }
        expected = actual
    }

    /// An order we know of deducted `quantity` at this level. Units already held back as
    /// unreserved sales are that order's, so they stop being held back; the rest is a
    /// deduction Shopify made after its last confirmation.
    package mutating func orderDeducted(_ quantity: Int) {
        let absorbed = min(quantity, unreservedSold)
        unreservedSold -= absorbed
        if let current = expected {
            expected = current - (quantity - absorbed)
        }
    }

    /// Shopify put `quantity` units back (cancellation or refund with restock).
    package mutating func restocked(_ quantity: Int) {
        if let current = expected {
            expected = current + quantity
        }
    }
}
