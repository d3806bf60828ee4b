@testable import StockSyncPostgres
import StockSyncWorkers
import Testing

/// `applyIsolatingRefusals`: which failures are one message's, and which the batch's.
@Suite("Isolating a batch's refused items")
struct BatchIsolationTests {
    struct Poison: Error {}
    let items = Array(0..<8)

    /// Applies, counting the calls, failing with `error` whenever `poisoned` is in the batch.
    private func run(poisoned: Set<Int>, _ error: any Error, calls: inout Int) throws -> (Int, [Int]) {
        let (applied, refused) = try applyIsolatingRefusals(items[...], combine: +, empty: 0) { batch in
            calls += 1
            if batch.contains(where: poisoned.contains) { throw error }
            return batch.count
        }
        return (applied, refused.map(\.0))
    }

    @Test("an error of any kind that follows one item is isolated: its batch-mates apply",
          arguments: [Poison() as any Error, PostgresError.queryFailed(sqlState: "P0001", message: "raised by a trigger"),
                      PostgresError.queryFailed(sqlState: "23505", message: "duplicate key")])
    func oneItemsErrorIsIsolated(error: any Error) throws {
        var calls = 0
        let (applied, refused) = try run(poisoned: [5], error, calls: &calls)
        #expect(applied == 7 && refused == [5])
        #expect(calls == 7, "halving: 8, 4+4, 2+2 of the bad half, 1+1")
    }

    @Test("an error every item meets alone is no item's: it is thrown, nothing is refused")
    func everyItemFailingIsThrown() {
        var calls = 0
        #expect(throws: Poison.self) { try run(poisoned: Set(items), Poison(), calls: &calls) }
    }

    @Test("a failure of the server or the deployment is thrown at once, with the batch whole, to be retried",
          arguments: [PostgresError.queryFailed(sqlState: "25006", message: "cannot execute INSERT in a read-only transaction"),
                      PostgresError.queryFailed(sqlState: "42703", message: "column \"x\" does not exist"),
                      PostgresError.queryFailed(sqlState: "42501", message: "permission denied")])
    func serverFailuresAreNotIsolated(error: PostgresError) {
        var calls = 0
        #expect(throws: PostgresError.self) { try run(poisoned: [5], error, calls: &calls) }
        #expect(calls == 1)
    }
}
