import Foundation
import StockSyncDomain
import Testing

@Suite("Shopify API versions")
struct ShopifyAPIVersionTests {
    @Test("a version is supported a year from its release, the first of its month at 17:00 UTC", arguments: [
        ("2025-10", "2026-10-01T17:00:00Z"), ("2026-01", "2027-01-01T17:00:00Z"), ("2026-04", "2027-04-01T17:00:00Z"),
        ("2026-07", "2027-07-01T17:00:00Z"), ("2027-10", "2028-10-01T17:00:00Z"), ("2028-01", "2029-01-01T17:00:00Z"),
    ])
    func supportEnds(version: String, ends: String) throws {
        #expect(try #require(ShopifyAPIVersion(version)).supportEnds == ISO8601DateFormatter().date(from: ends))
    }

    @Test("support ending within 90 days, or ended, is warned of; further off it is not")
    func nearEndOfSupport() throws {
        let now = try #require(ISO8601DateFormatter().date(from: "2026-12-04T12:00:00Z"))
        let version = { (text: String) in ShopifyAPIVersion(text)! }
        #expect(version("2025-10").isNearEndOfSupport(at: now), "ended in October")
        #expect(version("2026-01").isNearEndOfSupport(at: now), "ends within the month")
        #expect(version("2026-04").isNearEndOfSupport(at: now) == false, "ends in April: 118 days")
        #expect(version("2026-04").isNearEndOfSupport(at: now.addingTimeInterval(30 * 86_400)), "88 days before")
        let ends = version("2026-04").supportEnds
        #expect(!version("2026-04").isNearEndOfSupport(at: ends.addingTimeInterval(-90 * 86_400)), "exactly 90 days before")
        #expect(version("2026-04").isNearEndOfSupport(at: ends.addingTimeInterval(-90 * 86_400 + 1)))
        #expect(version("2026-07").isNearEndOfSupport(at: now) == false)
    }
}
