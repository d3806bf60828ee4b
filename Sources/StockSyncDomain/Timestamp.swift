#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// RFC 3339 date-times as the ERP and Shopify write them.
package enum Timestamp {
    private static let whole = Date.ISO8601FormatStyle()
    private static let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// Parses `2026-11-28T05:28:20Z`, `2026-11-28T05:28:20.123+02:00` and the like.
    package static func parse(_ text: String) -> Date? {
        if let date = try? whole.parse(text) { return date }
        return try? fractional.parse(text)
    }

    /// `2026-11-28T05:28:20.123Z`: what `parse` reads back to the millisecond.
    package static func format(_ date: Date) -> String {
        fractional.format(date)
    }
}
