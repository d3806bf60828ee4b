import Logging
import ServiceLifecycle
import StockSyncPostgres
import StockSyncRuntime
import StockSyncStore
import Synchronization

/// The shops this gateway serves (the connected ones), read again from the database every
/// `refresh`; a database outage keeps the last list.
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

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let url = databaseURL
                let current = try await DedicatedThread.run {
                    try ShopRegistry(connection: PostgresConnection(url: url)).connectedDomains()
                }
                shops.withLock { $0 = current }
            } catch {
                logger.error("cannot read the shops served; keeping the last list", metadata: ["error": "\(error)"])
            }
            // A graceful shutdown does not cancel the task: without this the gateway would
            // wait out the refresh (30 s by default) before it exits.
            try? await cancelWhenGracefulShutdown { [refresh] in try await Task.sleep(for: refresh) }
        }
    }
}
