import Logging
import Metrics
import StockSyncDomain
import StockSyncPostgres
import StockSyncRuntime
import StockSyncShopify
import StockSyncStore

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Pushes one shop's outbox to Shopify, on one thread, while its connection holds the
/// shop's lock. Every push is written down before it is sent and marked done in the
/// transaction that records Shopify's answer, so a crash at any point is repaired by
/// sending the written-down push again with its idempotency key.
///
/// Unchecked Sendable: built by the claiming thread, then handed whole to the thread that
/// runs it, and used by that thread alone.
final class ShopPusher: @unchecked Sendable {
    let shop: ShopConnection
    private let store: PushStore
    private let api: InventoryAPI
    private let configuration: PushWorkerConfiguration
    private let logger: Logger
    private let isStopping: @Sendable () -> Bool
    /// Pushes written down and not known to be answered: replayed before anything new.
    private var intentsMayBePending = true
    private var storeLocations: Set<String>?
    private var locationsLoadedAt = ContinuousClock.now

    private let levelsPushed: Counter
    private let batchSize: Recorder
    private let pushLag: Timer
    private let staleRefusals: Counter
    private let unmappedSKUs: Counter
    private let refusedLevels: Counter

    /// Opens the shop's database session and takes its lock; nil if another worker has it.
    init?(shop: ShopConnection, configuration: PushWorkerConfiguration, logger: Logger,
          isStopping: @escaping @Sendable () -> Bool) throws {
        let connection = try PostgresConnection(url: configuration.databaseURL)
        let store = PushStore(connection: connection)
        guard try store.tryOwn(shop: shop.shop, lease: configuration.shopLease) else { return nil }
        self.shop = shop
        self.store = store
        self.configuration = configuration
        self.logger = logger
        self.isStopping = isStopping
        api = try configuration.shopify.api(for: shop, logger: logger)
        // A call retried or paced for minutes keeps the shop: the lease counts silence only.
        api.client.beforeWaiting = { try? store.keepAlive() }
        let dimensions = [("shop", shop.shop)]
        levelsPushed = Counter(label: "stocksync_push_levels_total", dimensions: dimensions)
        batchSize = Recorder(label: "stocksync_push_batch_size", dimensions: dimensions)
        pushLag = Timer(label: "stocksync_push_lag_seconds", dimensions: dimensions)
        staleRefusals = Counter(label: "stocksync_push_stale_total", dimensions: dimensions)
        unmappedSKUs = Counter(label: "stocksync_push_unmapped_skus_total", dimensions: dimensions)
        refusedLevels = Counter(label: "stocksync_push_refused_levels_total", dimensions: dimensions)
    }

    /// Pushes until the worker stops or something fails (then the caller lets the shop go
    /// and takes it again later, possibly on another worker).
    func run() throws {
        logger.info("pushing shop", metadata: ["shop": "\(shop)"])
        try readCatalogueIfDue()
        var recordedVersion: ShopifyAPIVersion?
        var catalogueCheckedAt = ContinuousClock.now
        while !isStopping() {
            if try !pushDue() { blockingSleep(configuration.pollInterval) }
            // An uninstall consumed after the shop was connected again makes the catalogue due
            // while this pusher runs.
            if ContinuousClock.now - catalogueCheckedAt > .seconds(5) {
                try readCatalogueIfDue()
                catalogueCheckedAt = .now
            }
            if let served = api.client.servedVersion, served != recordedVersion {
                try ShopRegistry(connection: store.connection).recordServedVersion(shop: shop.shop, served)
                recordedVersion = served
            }
        }
        logger.info("stopped pushing shop", metadata: ["shop": "\(shop.shop)"])
    }

    /// A shop connected again after an uninstall was not heard from meanwhile (Shopify
    /// deleted its webhook subscriptions with the app): its items and levels are read afresh
    /// before anything is pushed against them, and every level Shopify shows otherwise than
    /// its ATS is pushed; what it sold meanwhile is held back as usual.
    private func readCatalogueIfDue() throws {
        let registry = ShopRegistry(connection: store.connection)
        guard let connection = try registry.catalogueDue(shop: shop.shop) else { return }
        let summary = try CatalogueSync(store: store, api: api, everyLevelDue: true).run()
        try registry.catalogueRead(shop: shop.shop, for: connection)
        logger.notice("catalogue read again: the shop was connected after an uninstall", metadata: [
            "shop": "\(shop.shop)", "items": "\(summary.items)", "levels": "\(summary.levels)",
        ])
    }

    /// One round over the outbox; false when there was nothing to do.
    func pushDue() throws -> Bool {
        // Nothing new is planned while a written-down push is pending: its levels are still due.
        if intentsMayBePending, try !replayIntents() { return true }
        if storeLocations == nil { try loadLocations() }
        var due = try store.due(shop: shop.shop, limit: PushPlan.maximumQuantitiesPerCall * 4)
        guard !due.levels.isEmpty else { return false }
        let wait = configuration.linger.seconds - due.oldestAge
        if due.levels.count < PushPlan.maximumQuantitiesPerCall, wait > 0 {
            // Let a trickle gather into one call; a full batch goes at once.
            blockingSleep(.milliseconds(Int(wait * 1000)))
            due = try store.due(shop: shop.shop, limit: PushPlan.maximumQuantitiesPerCall * 4)
        }
        let plan = try plan(due)
        try store.setAside(shop: shop.shop, plan.itemMissing.map {
            PushStore.Problem(sku: $0.sku, location: $0.location, version: $0.version,
                              reason: "the store has no inventory item with this SKU")
        })
        if !plan.needsItem.isEmpty {
            try resolveItems(plan.needsItem)
            return true
        }
        if !plan.needsLevel.isEmpty {
            try observe(plan.needsLevel.map { ($0.sku, $0.location, $0.inventoryItemID!, $0.version) })
            return true
        }
        if !plan.alreadyCurrent.isEmpty {
            try store.confirm(shop: shop.shop, plan.alreadyCurrent.map {
                ($0.sku, $0.location, $0.expectation.target(forAvailable: $0.available), $0.version)
            }, idempotencyKey: nil)
        }
        let dueSince = Dictionary(zip(due.levels.map(\.key), due.dueSince),
                                  uniquingKeysWith: { first, _ in first })
        for quantities in plan.batches {
            let intent = PushStore.Intent(idempotencyKey: UUID().uuidString.lowercased(), quantities: quantities)
            try store.recordIntent(shop: shop.shop, intent)
            intentsMayBePending = true
            // Left pending (to be sent again, or in halves): it goes first next round.
            guard try send(intent) else { return true }
            intentsMayBePending = false
            let now = Date().timeIntervalSince1970
            for quantity in quantities {
                if let since = dueSince[quantity.key] ?? nil {
                    pushLag.recordNanoseconds(Int64(max(0, now - since) * 1e9))
                }
            }
        }
        return true
    }

    /// Leaves out levels at locations the store does not have, recording why.
    private func plan(_ due: PushStore.DueBatch) throws -> PushPlan {
        var locations = storeLocations ?? []
        if due.levels.contains(where: { !locations.contains($0.location) }),
           ContinuousClock.now - locationsLoadedAt > .seconds(60) {
            // The store may have gained the location since it was last read.
            try loadLocations()
            locations = storeLocations ?? []
        }
        let foreign = due.levels.filter { !locations.contains($0.location) }
        if !foreign.isEmpty {
            refusedLevels.increment(by: foreign.count)
            logger.error("levels mapped to a location the store does not have", metadata: [
                "shop": "\(shop.shop)", "locations": "\(Set(foreign.map(\.location)).sorted())",
            ])
            try store.setAside(shop: shop.shop, foreign.map {
                PushStore.Problem(sku: $0.sku, location: $0.location, version: $0.version,
                                  reason: "location \($0.location) is not one of the store's")
            })
        }
        return PushPlan(due: due.levels.filter { locations.contains($0.location) })
    }

    private func loadLocations() throws {
        let locations = try api.locations()
        storeLocations = Set(locations.map(\.id))
        locationsLoadedAt = ContinuousClock.now
        logger.info("store locations", metadata: [
            "shop": "\(shop.shop)", "locations": "\(locations.map { "\($0.id) \($0.name)" })",
        ])
    }

    private func resolveItems(_ levels: [DueLevel]) throws {
        let skus = Array(Set(levels.map(\.sku))).sorted()
        let found = try api.inventoryItems(skus: skus)
        let missing = skus.filter { found[$0] == nil }
        try store.saveItems(shop: shop.shop, found: found, missing: missing)
        if !missing.isEmpty {
            unmappedSKUs.increment(by: missing.count)
            logger.warning("SKUs the store has no inventory item for", metadata: [
                "shop": "\(shop.shop)", "skus": "\(missing.prefix(20))", "count": "\(missing.count)",
            ])
        }
    }

    /// Reads what Shopify holds at these levels and records it as observed; levels the
    /// item is not stocked at become problems. A level refused as stale where Shopify holds
    /// exactly what the refused push would have set (`refused`) is that push applied (a
    /// replay whose idempotency key Shopify no longer keeps, or an API version without
    /// keys): confirmed, not booked as units sold.
    private func observe(_ levels: [(sku: String, location: String, item: String, version: Int)],
                         refused: [PushQuantity] = []) throws {
        let takenAt = Date().timeIntervalSince1970
        let read = try api.availableLevels(levels.map {
            InventoryAPI.LevelKey(inventoryItemID: $0.item, location: $0.location)
        })
        let intended = Dictionary(refused.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        var observations: [PushStore.Observation] = []
        var applied: [PushQuantity] = []
        var notStocked: [UnstockedLevel] = []
        for level in levels {
            if let available = read[InventoryAPI.LevelKey(inventoryItemID: level.item, location: level.location)] ?? nil {
                if let push = intended[LevelKey(sku: level.sku, location: level.location)], push.quantity == available {
                    applied.append(push)
                } else {
                    observations.append(.init(sku: level.sku, location: level.location, available: available))
                }
            } else {
                notStocked.append(level)
            }
        }
        let problems = try stockOrSetAside(notStocked, observations: &observations)
        try store.recordObserved(shop: shop.shop, observations, takenAt: takenAt)
        if !applied.isEmpty {
            try store.confirm(shop: shop.shop, applied.map { ($0.sku, $0.location, $0.quantity, $0.version) }, idempotencyKey: nil)
        }
        try store.setAside(shop: shop.shop, problems)
        refusedLevels.increment(by: problems.count)
    }

    typealias UnstockedLevel = (sku: String, location: String, item: String, version: Int)

    /// Levels whose item Shopify does not stock at their location. By the shop's policy
    /// (`shop policy --unstocked`), each is stocked there (`inventoryActivate`, which changes
    /// nothing for an item stocked already), its level observed, and left due, so the next
    /// round pushes its ATS against what Shopify then shows; or returned as problems.
    private func stockOrSetAside(_ levels: [UnstockedLevel], observations: inout [PushStore.Observation]) throws
        -> [PushStore.Problem] {
        guard !levels.isEmpty else { return [] }
        func problem(_ level: UnstockedLevel, _ reason: String) -> PushStore.Problem {
            PushStore.Problem(sku: level.sku, location: level.location, version: level.version, reason: reason)
        }
        guard try ShopRegistry(connection: store.connection).activatesUnstocked(shop: shop.shop) else {
            return levels.map { problem($0, "the item is not stocked at \($0.location)") }
        }
        var problems: [PushStore.Problem] = []
        for level in levels {
            switch Result(catching: { () throws(ShopifyError) in try api.activate(inventoryItemID: level.item, location: level.location) }) {
            case .success(let available):
                observations.append(.init(sku: level.sku, location: level.location, available: available))
            case .failure(let error) where error.isRetriable || Self.isShopFault(error):
                throw error
            case .failure(let error):
                problems.append(problem(level, "the item is not stocked at \(level.location), and Shopify refused to stock it: \(error)"))
            }
        }
        logger.notice("items stocked at locations the ERP feeds", metadata: [
            "shop": "\(shop.shop)", "levels": "\(levels.count - problems.count)",
        ])
        return problems
    }

    /// False when a push is still pending after the replay (to be sent again, or in halves).
    private func replayIntents() throws -> Bool {
        let pending = try store.pendingIntents(shop: shop.shop)
        if !pending.isEmpty {
            logger.info("resending pushes left unanswered", metadata: ["shop": "\(shop.shop)", "count": "\(pending.count)"])
        }
        for intent in pending {
            guard try send(intent) else { return false }
        }
        intentsMayBePending = false
        return true
    }

    /// Sends a written-down push until Shopify answers it, and records the answer; false
    /// when it is left pending, to be sent again (or in halves) before anything new.
    private func send(_ intent: PushStore.Intent) throws -> Bool {
        let outcome: InventoryAPI.SetOutcome
        switch answer(intent) {
        case .success(let answered):
            outcome = answered
        case .failure(let error):
            guard !error.isRetriable, !Self.isShopFault(error) else { throw error }
            return try failed(intent, .call("\(error)"))
        }
        switch outcome {
        case .applied, .inProgress:
            try store.confirm(shop: shop.shop, intent.quantities.map { ($0.sku, $0.location, $0.quantity, $0.version) },
                              idempotencyKey: intent.idempotencyKey)
            levelsPushed.increment(by: intent.quantities.count)
            batchSize.record(intent.quantities.count)
            return true
        case .refused(let refusals):
            if let whole = refusals.first(where: { $0.index.map { !intent.quantities.indices.contains($0) } ?? true }) {
                return try failed(intent, .refusedWhole("\(whole.code ?? "refused"): \(whole.message)"))
            }
            try handle(refusals, of: intent)
            return true
        }
    }

    /// Shopify's answer to the push, once it is not "in progress" (the same key still being
    /// applied).
    private func answer(_ intent: PushStore.Intent) -> Result<InventoryAPI.SetOutcome, ShopifyError> {
        Result { () throws(ShopifyError) -> InventoryAPI.SetOutcome in
            var answer = try api.setAvailable(intent.quantities, idempotencyKey: intent.idempotencyKey)
            while answer == .inProgress {
                try? store.keepAlive()
                blockingSleep(.seconds(1))
                answer = try api.setAvailable(intent.quantities, idempotencyKey: intent.idempotencyKey)
            }
            return answer
        }
    }

    /// Sleeps, speaking to the database at least every few seconds so the shop's lease holds.
    private func pauseKeepingTheShop(_ duration: Duration) {
        let deadline = ContinuousClock.now + duration
        while ContinuousClock.now < deadline {
            try? store.keepAlive()
            blockingSleep(min(deadline - ContinuousClock.now, .seconds(1)))
        }
    }

    /// Shopify did not apply the push: what `PushFailurePolicy` says, done.
    private func failed(_ intent: PushStore.Intent, _ failure: PushFailurePolicy.Failure) throws -> Bool {
        let action = configuration.failurePolicy.action(for: failure, failuresBefore: intent.failures,
                                                        quantities: intent.quantities.count)
        logger.error("Shopify did not apply a push", metadata: [
            "shop": "\(shop.shop)", "levels": "\(intent.quantities.count)", "failures": "\(intent.failures)",
            "failure": "\(failure)", "action": "\(action)",
        ])
        switch action {
        case .retry(let pause):
            _ = try store.recordFailure(shop: shop.shop, idempotencyKey: intent.idempotencyKey, reason: "\(failure)")
            pauseKeepingTheShop(pause)
        case .split:
            let half = intent.quantities.count / 2
            try store.split(shop: shop.shop, idempotencyKey: intent.idempotencyKey, into: [
                intent.quantities[..<half], intent.quantities[half...],
            ].map {
                PushStore.Intent(idempotencyKey: UUID().uuidString.lowercased(), quantities: Array($0),
                                 failures: configuration.failurePolicy.failuresOfHalves)
            })
        case .setAside(let reason):
            let quantity = intent.quantities[0]
            refusedLevels.increment()
            try store.setAside(shop: shop.shop, [.init(sku: quantity.sku, location: quantity.location,
                                                       version: quantity.version, reason: reason)])
            try store.discardIntent(shop: shop.shop, idempotencyKey: intent.idempotencyKey)
            return true
        }
        intentsMayBePending = true
        return false
    }

    /// The shop's own faults (https://shopify.dev/docs/api/usage/response-codes: 401 a token
    /// refused, 402 a frozen store, 403 a scope missing, 404 a store gone, 423 a locked
    /// store; ACCESS_DENIED the same in GraphQL): thrown, and the worker pauses the shop,
    /// since no push of it can go until someone fixes them. Anything else is the call's.
    private static func isShopFault(_ error: ShopifyError) -> Bool {
        error.httpStatus.map { [401, 402, 403, 404, 423].contains($0) } ?? error.isAccessDenied
    }

    /// Nothing of a refused call applied. Each refused level is handled by what its code
    /// means (`LevelRefusal`); the rest stay due and go in the next call.
    private func handle(_ refusals: [InventoryAPI.Refusal], of intent: PushStore.Intent) throws {
        let quantities = intent.quantities
        var stale: [PushQuantity] = []
        var itemsGone: [String] = []
        var problems: [PushStore.Problem] = []
        var notStocked: [UnstockedLevel] = []
        for refusal in refusals {
            guard let index = refusal.index else { continue }
            let quantity = quantities[index]
            switch refusal.kind {
            case .stale:
                stale.append(quantity)
            case .itemGone:
                itemsGone.append(quantity.sku)
            case .locationGone:
                storeLocations = nil
            case .notStocked:
                notStocked.append((quantity.sku, quantity.location, quantity.inventoryItemID, quantity.version))
            case .problem:
                problems.append(.init(sku: quantity.sku, location: quantity.location, version: quantity.version,
                                      reason: "\(refusal.code ?? "refused"): \(refusal.message)"))
            }
        }
        var stocked: [PushStore.Observation] = []
        problems += try stockOrSetAside(notStocked, observations: &stocked)
        try store.recordObserved(shop: shop.shop, stocked, takenAt: Date().timeIntervalSince1970)
        staleRefusals.increment(by: stale.count)
        refusedLevels.increment(by: problems.count)
        try store.setAside(shop: shop.shop, problems)
        try store.forgetItems(shop: shop.shop, skus: itemsGone)
        try store.discardIntent(shop: shop.shop, idempotencyKey: intent.idempotencyKey)
        if !stale.isEmpty {
            logger.info("Shopify's levels moved since our last push; reading them", metadata: [
                "shop": "\(shop.shop)", "levels": "\(stale.count)",
            ])
            try observe(stale.map { ($0.sku, $0.location, $0.inventoryItemID, $0.version) }, refused: stale)
        }
    }
}
