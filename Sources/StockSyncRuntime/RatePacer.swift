/// A token bucket: at most `rate` events a second on average, bursts of up to `burst`. Pure:
/// the caller says what time it is.
package struct RatePacer: Sendable {
    package let rate: Double
    package let burst: Double
    private var tokens: Double
    private var updated: ContinuousClock.Instant

    /// Starts full, so a first burst goes through at once.
    package init(perSecond rate: Int, burst: Int? = nil, now: ContinuousClock.Instant) {
        precondition(rate > 0, "a rate of events a second must be positive")
        self.rate = Double(rate)
        self.burst = Double(max(1, burst ?? rate))
        tokens = self.burst
        updated = now
    }

    /// Records an event at `now`. Events past the rate leave the bucket in debt, which the
    /// next waits pay off.
    package mutating func take(at now: ContinuousClock.Instant) {
        refill(at: now)
        tokens -= 1
    }

    /// How long from `now` until an event would be within the rate: zero when one is now.
    package mutating func wait(at now: ContinuousClock.Instant) -> Duration {
        refill(at: now)
        return tokens >= 1 ? .zero : .seconds((1 - tokens) / rate)
    }

    private mutating func refill(at now: ContinuousClock.Instant) {
        guard now > updated else { return }
        tokens = min(burst, tokens + (now - updated).seconds * rate)
        updated = now
    }
}
