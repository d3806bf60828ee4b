import StockSyncRuntime
import TestSupport
import Testing

@Suite("Backoff")
struct BackoffTests {
    @Test func backoffGrowsToItsCapWithJitterBelowTheCeiling() {
        var backoff = Backoff(base: .milliseconds(100), cap: .seconds(1))
        var random = SeededGenerator(seed: 7)
        var ceilings: [Duration] = []
        for _ in 0..<6 {
            let ceiling = backoff.ceiling
            ceilings.append(ceiling)
            let wait = backoff.next(using: &random)
            #expect(wait >= .zero && wait <= ceiling)
        }
        #expect(ceilings == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800),
                             .seconds(1), .seconds(1)])
        backoff.reset()
        #expect(backoff.ceiling == .milliseconds(100))
    }
}
