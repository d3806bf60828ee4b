import Logging
import ServiceLifecycle
import StockSyncPostgres
import StockSyncRuntime
import StockSyncStore
import Synchronization

/// The shops this gateway serves (`ShopRegistry.servedDomains`). `loadFirst` reads them
/// before the gateway listens, so that no delivery is refused as from an unknown shop only
/// because the database was not reachable yet; `run` reads them again every `refresh`, and
/// a database outage then keeps the last list.
final class KnownShops: Service, Sendable {
    private let databaseURL: String
    private let refresh: Duration
    private let logger: Logger
    private let shops = Mutex<Set<String>>([])

    init(databaseURL: String, refresh: Duration, logger: Logger) {
        self.databaseURL = databaseURL
        self.refresh = refresh
        self.logger = logger
    }

    func contains(_ shop: String) -> Bool {
        shops.withLock { $0.contains(shop) }
    }

    /// A shop installed through this gateway, served before the next read.
    func insert(_ shop: String) {
        _ = shops.withLock { $0.insert(shop) }
    }

    /// Returns once the list was read, trying again with a backoff meanwhile; throws only
    /// when the gateway is asked to stop first.
    func loadFirst() async throws {
        var backoff = Backoff(base: .milliseconds(100), cap: .seconds(5))
        while true {
            let wait: Duration
            do {
                return try await load()
            } catch {
                wait = backoff.next()
                logger.error("cannot read the shops served; not listening until they are read",
                             metadata: ["error": "\(error)", "retry_in": "\(wait)"])
            }
            try await cancelWhenGracefulShutdown { try await Task.sleep(for: wait) }
        }
    }

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            // A graceful shutdown does not cancel the task: without this the gateway would
            // wait out the refresh (30 s by default) before it exits.
            try? await cancelWhenGracefulShutdown { [refresh] in try await Task.sleep(for: refresh) }
            guard !Task.isCancelled && !Task.isShuttingDownGracefully else { return }
            do {
                try await load()
            } catch {
                logger.error("cannot read the shops served; keeping the last list", metadata: ["error": "\(error)"])
            }
        }
    }

    private func load() async throws {
        let url = databaseURL
        let current = try await DedicatedThread.run {
            try ShopRegistry(connection: PostgresConnection(url: url)).servedDomains()
        }
        shops.withLock { $0 = current }
    }
}
