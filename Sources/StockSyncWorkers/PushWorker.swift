import Logging
import Metrics
import ServiceLifecycle
import StockSyncDomain
import StockSyncPostgres
import StockSyncRuntime
import StockSyncShopify
import StockSyncStore
import Synchronization

/// Pushes available-to-sell to Shopify for every connected shop. Each shop is pushed by
/// one worker at a time (a session advisory lock on the pushing thread's own database
/// connection); when that worker dies, its connection and lock go with it, and when it is
/// frozen the server ends its silent sessions after `PUSH_SHOP_LEASE_SECONDS`; another
/// worker takes the shop at its next look. Any number of copies may run: each takes its
/// fair share of the shops (the live workers are counted by their database sessions) and
/// lets go of shops beyond it, so shops spread over the workers.
package final class PushWorker: LoopService {
    private let configuration: PushWorkerConfiguration
    private let logger: Logger
    package let stopSignal = StopSignal()
    private let owned = Mutex<Set<String>>([])
    /// The connection (`ShopConnection.connectedAt`) each owned shop's pusher was started for.
    private let ownedConnections = Mutex<[String: String?]>([:])
    /// Shops this process is letting go of, for another worker to take.
    private let releasing = Mutex<Set<String>>([])
    private let ownedShops = Gauge(label: "stocksync_push_owned_shops")

    package init(configuration: PushWorkerConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    private var isStopping: Bool { stopSignal.isRaised }

    /// Shops this process pushes now.
    package var shops: Set<String> { owned.withLock { $0 } }

    package func runUntilStopped() {
        logger.info("push-worker started", metadata: ["worker": "\(configuration.workerName)"])
        SessionLoop<PostgresConnection>(what: "push-worker's look for shops", stopSignal: stopSignal, logger: logger).run {
            let connection = try PostgresConnection(url: configuration.databaseURL)
            try PushClaimers(connection: connection).join(lease: configuration.shopLease)
            return connection
        } _: { connection in
            let shops = try configuration.shopify.connectedShops(in: connection)
            let workers = try PushClaimers(connection: connection).count()
            try balance(shops, fairShare: (shops.count + max(workers, 1) - 1) / max(workers, 1))
            stopSignal.pause(configuration.claimInterval)
        }
        // Each pusher finishes the call in hand before it lets its shop go.
        while !owned.withLock({ $0.isEmpty }) { blockingSleep(.milliseconds(20)) }
        logger.info("push-worker stopped")
    }

    /// Takes at most one shop per look while under its fair share, and lets one go while over
    /// it; lets go at once of shops no longer connected.
    private func balance(_ shops: [ShopConnection], fairShare: Int) throws {
        let mine = owned.withLock { $0 }
        // An uninstalled shop's token was revoked: its pusher stops at once, not at its next 401.
        // A shop connected again (a new token, by hand or by an install) is taken again with it;
        // a token refreshed is not a new connection.
        let connections = ownedConnections.withLock { $0 }
        let disconnected = mine.subtracting(shops.map(\.shop))
        let reconnected = Set(shops.filter { shop in connections[shop.shop].map { $0 != shop.connectedAt } ?? false }.map(\.shop))
        for shop in releasing.withLock({ releasing in disconnected.union(reconnected).filter { releasing.insert($0).inserted } })
            .sorted() {
            logger.notice(reconnected.contains(shop) ? "the shop was connected again; taking it again"
                                                     : "the shop is no longer connected; stopped pushing it",
                          metadata: ["shop": "\(shop)"])
        }
        let share = min(fairShare, configuration.maximumShops)
        // Shops already being let go no longer count against the share.
        let kept = mine.subtracting(releasing.withLock { $0 })
        if kept.count > share, let surplus = kept.sorted().last {
            logger.info("letting a shop go to another worker", metadata: ["shop": "\(surplus)"])
            releasing.withLock { _ = $0.insert(surplus) }
            return
        }
        guard mine.count < share else { return }
        for shop in shops.shuffled() where !mine.contains(shop.shop) {
            let name = shop.shop
            guard let pusher = try ShopPusher(shop: shop, configuration: configuration, logger: logger,
                                              isStopping: { [self] in isStopping || releasing.withLock { $0.contains(name) } })
            else { continue }
            owned.withLock { _ = $0.insert(name) }
            ownedConnections.withLock { $0[name] = .some(shop.connectedAt) }
            ownedShops.record(mine.count + 1)
            try DedicatedThread.detach { [self] in
                do {
                    try pusher.run()
                } catch {
                    // Still holding the shop, wait before anyone tries again: a refused token or
                    // a long outage must not become a loop of failing calls.
                    let wait: Duration = (error as? ShopifyError)?.isRetriable == false ? .seconds(60) : .seconds(5)
                    logger.error("stopped pushing shop; it will be taken again", metadata: [
                        "shop": "\(name)", "error": "\(error)", "retry_in": "\(wait)",
                    ])
                    stopSignal.pause(wait)
                }
                // The pusher's connection closes with it, releasing the shop's lock.
                ownedConnections.withLock { $0[name] = nil }
                owned.withLock { _ = $0.remove(name) }
                releasing.withLock { _ = $0.remove(name) }
            }
            return
        }
    }
}
