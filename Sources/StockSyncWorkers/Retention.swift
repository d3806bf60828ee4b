import Logging
import StockSyncPostgres
import StockSyncRuntime
import StockSyncStore

/// How long each kind of record is kept, from the environment. The defaults outlast what
/// each record guards against: Shopify retries a webhook for 48 hours, dead letters live 14
/// days (`QueueTopology.deadLetterPolicy`), and a closed order may still be refunded.
package struct RetentionPolicy: Sendable {
    /// Applied adjustments a newer snapshot includes (or unsequenced ones).
    package var stockAdjustments: Duration
    /// Ids of applied order webhooks.
    package var webhookEvents: Duration
    /// Orders with no open reservation, untouched this long, archived.
    package var closedOrders: Duration
    /// Finished reconcile runs (each shop's newest is kept).
    package var reconcileRuns: Duration
    /// How often the reconcile-worker prunes.
    package var sweepInterval: Duration
    /// Rows a transaction removes at most.
    package static let batch = 1_000

    package init(environment: Environment) throws(ConfigurationError) {
        func days(_ name: String, _ defaultValue: Int, atLeast minimum: Int) throws(ConfigurationError) -> Duration {
            .seconds(try environment.int(name, default: defaultValue, in: minimum...3_650) * 86_400)
        }
        stockAdjustments = try days("RETAIN_STOCK_ADJUSTMENTS_DAYS", 30, atLeast: 15)
        webhookEvents = try days("RETAIN_WEBHOOK_EVENTS_DAYS", 30, atLeast: 3)
        closedOrders = try days("RETAIN_CLOSED_ORDERS_DAYS", 90, atLeast: 30)
        reconcileRuns = try days("RETAIN_RECONCILE_RUNS_DAYS", 90, atLeast: 1)
        sweepInterval = .seconds(try environment.int("RETENTION_SWEEP_MINUTES", default: 60, in: 1...1_440) * 60)
    }

    /// What each table holds and what this policy would remove now.
    package func status(of database: PostgresConnection) throws -> [TableRetention] {
        [
            try StockStore(connection: database).adjustmentsRetention(olderThan: stockAdjustments),
            try OrderStore(connection: database).webhookEventsRetention(olderThan: webhookEvents),
            try OrderStore(connection: database).ordersRetention(untouchedFor: closedOrders),
            try ReconcileStore(connection: database).runsRetention(olderThan: reconcileRuns),
        ]
    }

    /// Removes everything this policy says is due, a batch a transaction, until nothing is
    /// left or `keepGoing` says stop; returns the rows removed per table.
    package func prune(_ database: PostgresConnection, keepGoing: () -> Bool = { true }) throws -> [String: Int] {
        let prunes: [(String, () throws -> Int)] = [
            ("stock_adjustments", { try StockStore(connection: database).pruneAdjustments(olderThan: stockAdjustments, limit: Self.batch) }),
            ("order_webhook_events", { try OrderStore(connection: database).pruneWebhookEvents(olderThan: webhookEvents, limit: Self.batch) }),
            ("shopify_orders", { try OrderStore(connection: database).archiveOrders(untouchedFor: closedOrders, limit: Self.batch) }),
            ("reconcile_runs", { try ReconcileStore(connection: database).pruneRuns(olderThan: reconcileRuns, limit: 10) }),
        ]
        var removed: [String: Int] = [:]
        for (table, prune) in prunes {
            var total = 0
            while keepGoing() {
                let count = try prune()
                total += count
                if count == 0 { break }
            }
            removed[table] = total
        }
        return removed
    }
}

/// Prunes by `RetentionPolicy` every `sweepInterval`, in the reconcile-worker. Several
/// copies at once share the work (each batch skips rows another holds).
package struct RetentionSweeper: LoopService {
    package let stopSignal = StopSignal()
    private let policy: RetentionPolicy
    private let databaseURL: String
    private let logger: Logger

    package init(policy: RetentionPolicy, databaseURL: String, logger: Logger) {
        self.policy = policy
        self.databaseURL = databaseURL
        self.logger = logger
    }

    package func runUntilStopped() {
        SessionLoop<PostgresConnection>(what: "retention sweep", stopSignal: stopSignal, logger: logger).run {
            try PostgresConnection(url: databaseURL)
        } _: { database in
            let removed = try policy.prune(database) { !stopSignal.isRaised }
            if removed.values.contains(where: { $0 > 0 }) {
                logger.info("retention: pruned", metadata: removed.mapValues { "\($0)" })
            }
            stopSignal.pause(policy.sweepInterval)
        }
    }
}
