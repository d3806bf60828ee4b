import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// Pushes available-to-sell to Shopify for every connected shop. Each shop is pushed by
/// one worker at a time (a session advisory lock on the pushing thread's own database
/// connection); when that worker dies, its connection and lock go with it and another
/// worker takes the shop at its next look. Any number of copies may run.
public final class PushWorker: Service, Sendable {
    private let configuration: PushWorkerConfiguration
    private let logger: Logger
    private let stopping = Atomic<Bool>(false)
    private let owned = Mutex<Set<String>>([])
    private let ownedShops = Gauge(label: "stocksync_push_owned_shops")

    public init(configuration: PushWorkerConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    public func run() async throws {
        try await withGracefulShutdownHandler {
            try await withTaskCancellationHandler {
                try await DedicatedThread.run { [self] in claimUntilStopped() }
            } onCancel: {
                stop()
            }
        } onGracefulShutdown: {
            self.stop()
        }
    }

    public func stop() {
        stopping.store(true, ordering: .relaxed)
    }

    private var isStopping: Bool { stopping.load(ordering: .relaxed) }

    /// Shops this process pushes now.
    public var shops: Set<String> { owned.withLock { $0 } }

    private func claimUntilStopped() {
        logger.info("push-worker started", metadata: ["worker": "\(configuration.workerName)"])
        var database: PostgresConnection?
        var backoff = Backoff()
        while !isStopping {
            do {
                let connection = try database ?? PostgresConnection(url: configuration.databaseURL)
                database = connection
                try claimOne(from: PushStore(connection: connection).connectedShops())
                backoff.reset()
                pause(configuration.claimInterval)
            } catch {
                database = nil
                let wait = backoff.next()
                logger.error("push-worker cannot read its shops; retrying", metadata: [
                    "error": "\(error)", "retry_in": "\(wait)",
                ])
                pause(wait)
            }
        }
        // Each pusher finishes the call in hand before it lets its shop go.
        while !owned.withLock({ $0.isEmpty }) { blockingSleep(.milliseconds(20)) }
        logger.info("push-worker stopped")
    }

    /// Takes at most one shop per look, so that workers started together share the shops.
    private func claimOne(from shops: [ShopConnection]) throws {
        let mine = owned.withLock { $0 }
        guard mine.count < configuration.maximumShops else { return }
        for shop in shops.shuffled() where !mine.contains(shop.shop) {
            guard let pusher = try ShopPusher(shop: shop, configuration: configuration, logger: logger,
                                              isStopping: { [self] in isStopping }) else { continue }
            owned.withLock { _ = $0.insert(shop.shop) }
            ownedShops.record(mine.count + 1)
            try DedicatedThread.detach { [self] in
                do {
                    try pusher.run()
                } catch {
                    logger.error("stopped pushing shop; it will be taken again", metadata: [
                        "shop": "\(shop.shop)", "error": "\(error)",
                    ])
                }
                // Closing the pusher's connection releases the shop's lock.
                owned.withLock { _ = $0.remove(shop.shop) }
            }
            return
        }
    }

    private func pause(_ duration: Duration) {
        let clock = ContinuousClock()
        let deadline = clock.now + duration
        while !isStopping, clock.now < deadline {
            blockingSleep(min(deadline - clock.now, .milliseconds(100)))
        }
    }
}
