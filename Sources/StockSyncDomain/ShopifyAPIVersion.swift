#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

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

    /// When Shopify may stop supporting it: a stable version is released on the first day of
    /// its month at 17:00 UTC and supported for at least 12 months
    /// (https://shopify.dev/docs/api/usage/versioning). After that, calls asking for it are
    /// served by the oldest version still supported, whose changes may break them.
    package var supportEnds: Date {
        // Days from 1970-01-01 to the first of the month a year on (Hinnant's days_from_civil).
        let (year, month) = (self.year + 1, self.month)
        let shifted = month <= 2 ? year - 1 : year
        let era = (shifted >= 0 ? shifted : shifted - 399) / 400
        let yearOfEra = shifted - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return Date(timeIntervalSince1970: Double(days) * 86_400 + 17 * 3_600)
    }

    /// Whether its support may end within `days` of `now` (or has).
    package func isNearEndOfSupport(at now: Date, within days: Double = Self.supportWarningDays) -> Bool {
        supportEnds.timeIntervalSince(now) < days * 86_400
    }

    /// How long before a version's support may end `shopify status` warns of it: a quarter,
    /// the time a new version takes to be tested and adopted.
    package static let supportWarningDays = 90.0
}
