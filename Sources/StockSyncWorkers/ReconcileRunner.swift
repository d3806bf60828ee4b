import Dispatch
import Logging
import Metrics
import StockSyncDomain
import StockSyncPostgres
import StockSyncRuntime
import StockSyncShopify
import StockSyncStore

/// Runs queued reconciliations (`Reconciler`), one at a time, on a database session of its
/// own: takes the shop whose run has waited longest among those no other runner holds
/// (the shop's session lock), so runs of different shops go side by side on different
/// workers and runs of one shop one after another. A run left `running` by a runner that
/// died is run again by whoever next takes its shop.
package final class ReconcileRunner: LoopService {
    private let configuration: ReconcileWorkerConfiguration
    private let logger: Logger
    package let stopSignal = StopSignal()
    private let wake = DispatchSemaphore(value: 0)

    private let runs = Counter(label: "stocksync_reconcile_runs_total")
    private let failedRuns = Counter(label: "stocksync_reconcile_runs_failed_total")
    private let runSeconds = Timer(label: "stocksync_reconcile_run_seconds")

    package init(configuration: ReconcileWorkerConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Looks for queued runs now rather than at the next poll (after one was queued).
    package func nudge() {
        wake.signal()
    }

    package func runUntilStopped() {
        // Runs killed while downloading leave their result files; no live run holds them.
        let abandoned = BulkResultFile.removeAbandoned()
        if abandoned > 0 { logger.info("removed abandoned bulk result files", metadata: ["files": "\(abandoned)"]) }
        SessionLoop<PostgresConnection>(what: "reconcile runner (the run stays queued)", stopSignal: stopSignal, logger: logger).run {
            try PostgresConnection(url: configuration.databaseURL)
        } _: { connection in
            if try !runNext(on: connection) { _ = wake.wait(timeout: .now() + configuration.runPoll.seconds) }
        }
    }

    /// Runs the oldest queued run of a shop no other runner holds; false when there was none.
    private func runNext(on connection: PostgresConnection) throws -> Bool {
        let store = ReconcileStore(connection: connection, holdBackGrace: configuration.holdBackGrace)
        for shop in try store.shopsWithPendingRuns() {
            guard try store.tryLock(shop: shop) else { continue }
            defer { try? store.unlock(shop: shop) }
            // Another runner may have finished it between the look and the lock.
            guard let (run, request) = try store.nextPendingRun(shop: shop) else { continue }
            guard let connected = try configuration.shopify.connectedShops(in: connection).first(where: { $0.shop == shop }) else {
                try store.fail(run: run, error: "shop \(shop) is no longer connected")
                continue
            }
            let api: InventoryAPI
            do {
                api = try configuration.shopify.api(for: connected, logger: logger)
            } catch {
                // The shop's stored address is refused (`InventoryAPI`): no retry can help.
                try store.fail(run: run, error: "\(error)")
                failedRuns.increment()
                continue
            }
            let started = ContinuousClock.now
            do {
                let summary = try Reconciler(store: store, api: api, settleTimeout: configuration.settleTimeout,
                                             logger: logger).run(request)
                runs.increment()
                runSeconds.record(duration: ContinuousClock.now - started)
                for (kind, count) in [("drift", summary.drift), ("missing_in_shopify", summary.missingInShopify),
                                      ("unknown_to_erp", summary.unknownToERP), ("unmapped", summary.unmapped)] {
                    Counter(label: "stocksync_reconcile_discrepancies_total", dimensions: [("class", kind)])
                        .increment(by: count ?? 0)
                }
            } catch where !connection.isUsable {
                // This runner's own session broke: reconnect (its run is picked up again).
                throw error
            } catch {
                // Recorded with the run (failed, or queued to be tried later), for
                // `stocksync reconcile status` and `--wait` to show; other shops go on.
                failedRuns.increment()
                logger.error("reconciliation did not finish", metadata: [
                    "shop": "\(shop)", "request_id": "\(request.requestID)", "error": "\(error)",
                ])
            }
            return true
        }
        return false
    }
}
