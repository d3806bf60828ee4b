/// Exponential backoff with full jitter: each wait is random in [0, min(cap, base·2ⁿ)],
/// so that many workers that lost the same server do not return to it in step.
public struct Backoff: Sendable {
    public let base: Duration
    public let cap: Duration
    private var attempt = 0

    public init(base: Duration = .milliseconds(100), cap: Duration = .seconds(10)) {
        self.base = base
        self.cap = cap
    }

    /// The ceiling of the next wait, before jitter.
    public var ceiling: Duration {
        min(cap, base * (1 << min(attempt, 30)))
    }

    public mutating func next<Generator: RandomNumberGenerator>(using generator: inout Generator) -> Duration {
        let limit = ceiling
        attempt += 1
        return limit * Double.random(in: 0...1, using: &generator)
    }

    public mutating func next() -> Duration {
        var generator = SystemRandomNumberGenerator()
        return next(using: &generator)
    }

    public mutating func reset() {
        attempt = 0
    }
}
