/// `extensions.cost.throttleStatus` of an Admin API response: the shop's leaky bucket as
/// Shopify saw it when it answered.
package struct ThrottleStatus: Sendable, Equatable, Decodable {
    package var maximumAvailable: Double
    package var currentlyAvailable: Double
    package var restoreRate: Double

    package init(maximumAvailable: Double, currentlyAvailable: Double, restoreRate: Double) {
        self.maximumAvailable = maximumAvailable
        self.currentlyAvailable = currentlyAvailable
        self.restoreRate = restoreRate
    }
}

/// `extensions.cost` of an Admin API response. `actualQueryCost` is null when throttled.
package struct QueryCost: Sendable, Equatable, Decodable {
    package var requestedQueryCost: Double
    package var actualQueryCost: Double?
    package var throttleStatus: ThrottleStatus

    package init(requestedQueryCost: Double, actualQueryCost: Double?, throttleStatus: ThrottleStatus) {
        self.requestedQueryCost = requestedQueryCost
        self.actualQueryCost = actualQueryCost
        self.throttleStatus = throttleStatus
    }
}

/// The client's model of one shop's leaky bucket, fed by every response's throttle status,
/// so that requests are paced to never be throttled rather than retried after being throttled.
///
/// Shopify admits a request only if the bucket holds its requested cost, and refills at
/// `restoreRate` points a second up to `maximumAvailable`. Times are seconds on any
/// monotonic clock; the model has no clock of its own.
package struct CostBucket: Sendable, Equatable {
    package private(set) var maximum: Double
    package private(set) var restoreRate: Double
    private var available: Double
    private var observedAt: Double
    static let margin = 0.1
    /// Points spent by requests sent since the last observation whose answers have not come.
    private var inFlight: Double = 0

    /// Until the first answer the plan is unknown; one small request at a time is safe on any plan.
    package init(maximum: Double = 2_000, restoreRate: Double = 100, available: Double? = nil, at time: Double) {
        self.maximum = maximum
        self.restoreRate = restoreRate
        self.available = available ?? maximum
        self.observedAt = time
    }

    /// Points the bucket holds at `time`, after what is in flight.
    package func available(at time: Double) -> Double {
        min(maximum, available + restoreRate * max(0, time - observedAt)) - inFlight
    }

    /// Seconds to wait before a request of `cost` points can be sent at `time` without
    /// being throttled (0 if it can go now).
    package func delay(forCost cost: Double, at time: Double) -> Double {
        // A tenth of a point of margin: a wait that is exactly enough by our arithmetic must
        // not fall short by a rounding error on either side.
        let needed = min(cost + Self.margin, maximum) - available(at: time)
        return needed <= 0 ? 0 : needed / restoreRate
    }

    /// A request of `cost` points is being sent.
    package mutating func spend(_ cost: Double) {
        inFlight += cost
    }

    /// An answer arrived with Shopify's view of the bucket; `cost` is what its request had
    /// been charged in `spend`.
    package mutating func observe(_ status: ThrottleStatus, settling cost: Double, at time: Double) {
        inFlight = max(0, inFlight - cost)
        maximum = status.maximumAvailable
        restoreRate = max(status.restoreRate, 0.001)
        available = status.currentlyAvailable
        observedAt = time
    }

    /// A request of `cost` points failed without an answer: its points may or may not
    /// have been spent; assume they were.
    package mutating func abandon(_ cost: Double, at time: Double) {
        available = min(maximum, available + restoreRate * max(0, time - observedAt)) - cost
        inFlight = max(0, inFlight - cost)
        observedAt = time
    }
}
