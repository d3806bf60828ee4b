import StockSyncStore
import Testing

@Suite("Advisory locks")
struct AdvisoryLockTests {
    @Test("each kind has a namespace of its own, and the retired one is never reused")
    func namespacesAreDistinct() {
        let namespaces = AdvisoryLock.allCases.map(\.namespace)
        #expect(Set(namespaces).count == namespaces.count)
        #expect(!namespaces.contains(1))
    }

    @Test("inside a transaction, orders are locked before SKUs; session locks stand outside the order")
    func lockOrder() {
        let ranked = AdvisoryLock.allCases.filter { $0.rank != nil }.sorted { $0.rank! < $1.rank! }
        #expect(ranked == [.order, .sku])
        #expect(AdvisoryLock.pushShop.rank == nil && AdvisoryLock.reconcileShop.rank == nil
            && AdvisoryLock.migrations.rank == nil)
    }
}
