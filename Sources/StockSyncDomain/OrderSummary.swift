#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What decides an order's reservations, in brief: when it last changed, whether it is
/// cancelled, and each line's current quantity. The order backfill compares Shopify's with
/// the one recorded to find the orders whose latest change never arrived.
package struct OrderSummary: Sendable, Equatable {
    package var orderID: String
    /// Shopify's `updated_at`, whole seconds.
    package var updatedAt: Date
    package var cancelled: Bool
    /// By line id; nil when Shopify listed only some of the lines.
    package var currentQuantities: [String: Int]?

    package init(orderID: String, updatedAt: Date, cancelled: Bool, currentQuantities: [String: Int]?) {
        self.orderID = orderID
        self.updatedAt = updatedAt
        self.cancelled = cancelled
        self.currentQuantities = currentQuantities
    }

    /// Whether this listing (from Shopify) says something the recorded state does not: no
    /// state recorded, or an older one. A state of the same second may be an earlier change of
    /// that second (`updated_at` has whole seconds), so it answers for this one only when it
    /// says the same of every line and of cancellation; a newer recorded state means Shopify's
    /// search listed the order late.
    package func isNews(comparedWith recorded: OrderSummary?) -> Bool {
        guard let recorded else { return true }
        if recorded.updatedAt != updatedAt { return recorded.updatedAt < updatedAt }
        guard let currentQuantities else { return true }
        return recorded.cancelled != cancelled || recorded.currentQuantities != currentQuantities
    }
}
