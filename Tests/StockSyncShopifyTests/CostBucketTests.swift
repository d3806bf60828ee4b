import StockSyncDomain
import StockSyncShopify
import Testing

@Suite("Leaky bucket model")
struct CostBucketTests {
    private func status(_ available: Double, maximum: Double = 2_000, rate: Double = 100) -> ThrottleStatus {
        ThrottleStatus(maximumAvailable: maximum, currentlyAvailable: available, restoreRate: rate)
    }

    @Test("a request waits exactly as long as the bucket needs to refill its cost")
    func delayIsShortfallOverRestoreRate() {
        var bucket = CostBucket(at: 0)
        bucket.spend(10)
        bucket.observe(status(4), settling: 10, at: 1)
        // 10 points and a margin of 0.1 against 4 available: 6.1 points at 100 a second.
        #expect(abs(bucket.delay(forCost: 10, at: 1) - 0.061) < 1e-9)
        #expect(bucket.delay(forCost: 10, at: 1.061) < 1e-9)
        #expect(bucket.delay(forCost: 3, at: 1) == 0)
    }

    @Test("refill stops at the maximum")
    func refillIsCapped() {
        var bucket = CostBucket(at: 0)
        bucket.observe(status(0, maximum: 1_000, rate: 50), settling: 0, at: 0)
        #expect(bucket.available(at: 10) == 500)
        #expect(bucket.available(at: 1_000) == 1_000)
        // A request dearer than the whole bucket waits for a full bucket, not forever.
        #expect(bucket.delay(forCost: 5_000, at: 0) == 20)
    }

    @Test("points of requests in flight are not spent twice")
    func inFlightCostsCount() {
        var bucket = CostBucket(at: 0)
        bucket.observe(status(25), settling: 0, at: 0)
        bucket.spend(10)
        bucket.spend(10)
        #expect(bucket.available(at: 0) == 5)
        #expect(abs(bucket.delay(forCost: 10, at: 0) - 0.051) < 1e-9)
        bucket.observe(status(15), settling: 10, at: 0)
        #expect(bucket.available(at: 0) == 5)
        bucket.abandon(10, at: 0)
        #expect(bucket.available(at: 0) == 5)
    }

    /// Throttle statuses as a Standard store reports them while a client sends 10-point
    /// mutations back to back: pacing on the model never asks more than the bucket holds.
    @Test("pacing on a recorded sequence of throttle statuses is never throttled")
    func recordedSequence() {
        var bucket = CostBucket(at: 0)
        var shopifyAvailable = 2_000.0, shopifyAt = 0.0
        func refill(to time: Double) {
            shopifyAvailable = min(2_000, shopifyAvailable + 100 * (time - shopifyAt))
            shopifyAt = time
        }
        var time = 0.0
        var throttled = 0
        for _ in 0..<1_000 {
            time += bucket.delay(forCost: 10, at: time)
            bucket.spend(10)
            refill(to: time)
            if shopifyAvailable < 10 { throttled += 1 } else { shopifyAvailable -= 10 }
            time += 0.004  // the call's round trip, while the bucket refills
            refill(to: time)
            bucket.observe(status((shopifyAvailable * 10).rounded(.down) / 10), settling: 10, at: time)
        }
        #expect(throttled == 0)
        // 1,000 calls of 10 points from a full bucket of 2,000 refilling at 100/s: 80 s at least.
        #expect(time >= 79.9 && time < 81)
    }

    @Test("API versions: parsing, order, and which compare field they use", arguments: [
        ("2025-01", "compareQuantity", false), ("2025-10", "compareQuantity", false),
        ("2026-01", "changeFromQuantity", true), ("2026-04", "changeFromQuantity", true),
        ("2026-07", "changeFromQuantity", true),
    ])
    func apiVersions(text: String, field: String, idempotent: Bool) throws {
        let version = try #require(ShopifyAPIVersion(text))
        #expect(version.description == text)
        #expect(version.compareField.rawValue == field)
        #expect(version.supportsIdempotencyKeys == idempotent)
    }

    @Test("malformed API versions are refused", arguments: ["2026-13", "26-01", "2026-1", "2026-01-01", "latest", ""])
    func malformedVersions(text: String) {
        #expect(ShopifyAPIVersion(text) == nil)
    }
}
