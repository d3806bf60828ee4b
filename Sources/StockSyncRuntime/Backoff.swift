/// Exponential backoff with full jitter: each wait is random in [0, min(cap, base·2ⁿ)],
/// so that many workers that lost the same server do not return to it in step.
package struct Backoff: Sendable {
    package let base: Duration
    package let cap: Duration
    private var attempt = 0

    package init(base: Duration = .milliseconds(100), cap: Duration = .seconds(10)) {
        self.base = base
        self.cap = cap
    }

    /// The ceiling of the next wait, before jitter.
    package var ceiling: Duration {
        min(cap, base * (1 << min(attempt, 30)))
    }

    package mutating func next<Generator: RandomNumberGenerator>(using generator: inout Generator) -> Duration {
        let limit = ceiling
        attempt += 1
        return limit * Double.random(in: 0...1, using: &generator)
    }

    package mutating func next() -> Duration {
        var generator = SystemRandomNumberGenerator()
        return next(using: &generator)
    }

    package mutating func reset() {
        attempt = 0
    }
}
