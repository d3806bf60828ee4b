import Logging
import StockSyncDomain
import StockSyncPostgres
import StockSyncRuntime
import StockSyncShopify
import StockSyncStore

/// One reconciliation: reads every level of a shop from Shopify (a bulk operation, or
/// paginated queries for a SKU list) into the database as it streams in, compares it with
/// the ERP set-based, waits for levels that were mid-push and reads them again, and records
/// the findings (and, in heal mode, the corrections) in one transaction.
package struct Reconciler {
    package let store: ReconcileStore
    package let api: InventoryAPI
    /// How long levels mid-push are waited for before they are left unjudged.
    package var settleTimeout: Duration
    package let logger: Logger

    package init(store: ReconcileStore, api: InventoryAPI, settleTimeout: Duration = .seconds(30), logger: Logger) {
        self.store = store
        self.api = api
        self.settleTimeout = settleTimeout
        self.logger = logger
    }

    /// Runs the request once, its caller holding the shop's lock (`ReconcileStore.tryLock`);
    /// a request that already ran returns its recorded run. A run that fails for a reason
    /// that may pass (Shopify or the database unreachable) goes back in the queue to be tried
    /// again later (`ReconcileStore.requeue`); any other failure is recorded with the run.
    @discardableResult
    package func run(_ request: ReconcileRequest) throws -> ReconcileStore.RunSummary {
        let run: Int
        switch try store.begin(request) {
        case .finished(let id):
            logger.info("reconciliation already done", metadata: ["request_id": "\(request.requestID)", "run": "\(id)"])
            return try store.run(id: id)!
        case .run(let id):
            run = id
        }
        let clock = ContinuousClock()
        let started = clock.now
        do {
            try store.resetSnapshot()
            let read = try store.loadSnapshot { line in
                if let skus = request.skus {
                    try api.inventoryLevels(skus: skus, line)
                } else {
                    try api.catalogue(line)
                }
            }
            var comparison = try store.compare(shop: request.shop, skus: request.skus)
            let (settled, compared, unsettled) = try settle(comparison.busy, shop: request.shop)
            comparison.findings += settled
            let outcome = try store.finish(run: run, shop: request.shop, findings: comparison.findings,
                                           heal: request.mode == .heal,
                                           levelsCompared: comparison.levelsCompared + compared, unsettled: unsettled)
            logger.info("reconciliation done", metadata: [
                "shop": "\(request.shop)", "run": "\(run)", "items": "\(read.items)", "levels": "\(read.levels)",
                "compared": "\(outcome.levelsCompared)", "discrepancies": "\(comparison.findings.count)",
                "healed": "\(outcome.healed)", "unsettled": "\(unsettled)", "seconds": "\((clock.now - started).seconds)",
            ])
            return try store.run(id: run)!
        } catch {
            if (error as? ShopifyError)?.isRetriable == true || (error as? PostgresError)?.isRetriable == true {
                try? store.requeue(run: run, error: "\(error)")
            } else {
                try? store.fail(run: run, error: "\(error)")
            }
            throw error
        }
    }

    /// Waits for levels that were mid-push to settle, then reads them from Shopify again and
    /// judges them. Returns the findings, how many were compared, and how many never settled.
    private func settle(_ busy: [ReconcileStore.BusyLevel], shop: String) throws
        -> (findings: [ReconcileStore.Finding], compared: Int, unsettled: Int)
    {
        guard !busy.isEmpty else { return ([], 0, 0) }
        let deadline = ContinuousClock.now + settleTimeout
        var erp = try store.erpLevels(shop: shop, busy)
        while erp.values.contains(where: \.busy), ContinuousClock.now < deadline {
            blockingSleep(.milliseconds(500))
            erp = try store.erpLevels(shop: shop, busy)
        }
        let settled = busy.filter { erp[$0]?.busy == false }
        let read = try api.availableLevels(settled.map {
            InventoryAPI.LevelKey(inventoryItemID: $0.inventoryItemID, location: $0.location)
        })
        var findings: [ReconcileStore.Finding] = []
        for level in settled {
            let expected = erp[level]!.expected
            switch read[InventoryAPI.LevelKey(inventoryItemID: level.inventoryItemID, location: level.location)] {
            case let available?? where available != expected:
                findings.append(.init(sku: level.sku, location: level.location, kind: .drift, shopifyAvailable: available,
                                      expected: expected))
            case .some(.none), .none:
                findings.append(.init(sku: level.sku, location: level.location, kind: .missingInShopify,
                                      shopifyAvailable: nil, expected: expected))
            default:
                break
            }
        }
        return (findings, settled.count, busy.count - settled.count)
    }
}
