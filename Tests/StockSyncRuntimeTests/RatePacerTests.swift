import StockSyncRuntime
import Testing

@Suite("Rate pacer")
struct RatePacerTests {
    let start = ContinuousClock.now

    /// Equal to within a microsecond: the waits are computed in floating point.
    func near(_ wait: Duration, _ expected: Duration) -> Bool {
        wait > expected - .microseconds(1) && wait < expected + .microseconds(1)
    }

    @Test func aBurstGoesThroughThenEventsWaitTheirTurn() {
        var pacer = RatePacer(perSecond: 4, burst: 2, now: start)
        #expect(pacer.wait(at: start) == .zero)
        pacer.take(at: start)
        pacer.take(at: start)
        #expect(near(pacer.wait(at: start), .milliseconds(250)), "one token comes back every quarter second")
        #expect(near(pacer.wait(at: start + .milliseconds(100)), .milliseconds(150)))
        #expect(pacer.wait(at: start + .milliseconds(250)) == .zero)
    }

    @Test func eventsPastTheRateAreDebtThatLaterWaitsPayOff() {
        var pacer = RatePacer(perSecond: 10, burst: 1, now: start)
        for _ in 0..<5 { pacer.take(at: start) }  // accepted together by one read of the socket
        #expect(near(pacer.wait(at: start), .milliseconds(500)))
        #expect(pacer.wait(at: start + .milliseconds(500)) == .zero)
    }

    @Test func aQuietSpellRefillsNoMoreThanTheBurst() {
        var pacer = RatePacer(perSecond: 100, burst: 3, now: start)
        pacer.take(at: start)
        let later = start + .seconds(60)
        for _ in 0..<3 {
            #expect(pacer.wait(at: later) == .zero)
            pacer.take(at: later)
        }
        #expect(near(pacer.wait(at: later), .milliseconds(10)))
    }

    @Test func theBurstDefaultsToOneSecondsWorth() {
        var pacer = RatePacer(perSecond: 50, now: start)
        for _ in 0..<50 { pacer.take(at: start) }
        #expect(near(pacer.wait(at: start), .milliseconds(20)))
    }
}
