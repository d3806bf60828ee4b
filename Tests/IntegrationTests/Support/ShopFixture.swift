import Foundation
import Logging
import StockSyncDomain
import StockSyncShopify
import StockSyncStore
import StockSyncWorkers
import TestSupport
import Testing

/// Fresh servers' state, a Shopify simulator, and the scenario's shops in both.
struct ShopFixture {
    static let token = "shpat_integration"
    let simulatorProcess: SimulatorProcess
    var simulator: SimulatorClient { simulatorProcess.client }

    init() throws {
        try IntegrationEnvironment.reset()
        simulatorProcess = try SimulatorProcess()
    }

    static var shops: [String] { Set(StockScenario.mappings.map(\.shop)).sorted() }

    /// Seeds every shop of the scenario with each SKU stocked at each mapped location
    /// (Shopify showing 0), connects the shops and syncs their catalogues.
    func prepareShops(_ scenario: StockScenario, missingSKUs: Set<String> = []) throws {
        let database = try IntegrationEnvironment.database()
        try StockScenario.configure(database)
        for shop in Set(StockScenario.mappings.map(\.shop)) {
            let locations = Set(StockScenario.mappings.filter { $0.shop == shop }.map(\.location)).sorted()
            let ids = locations.map { Int($0.split(separator: "/").last!)! }
            try simulator.seed(shop, .init(
                token: Self.token, plan: "standard",
                locations: ids.map { .init(id: $0, name: "Location \($0)") },
                items: scenario.skus.filter { !missingSKUs.contains($0) }.map { sku in
                    .init(sku: sku, levels: Dictionary(uniqueKeysWithValues: ids.map { ("\($0)", 0) }))
                }))
            let store = PushStore(connection: database)
            let registry = ShopRegistry(connection: database)
            try registry.connect(shop: shop, apiVersion: .default, adminURL: simulator.adminURL(shop), accessToken: Self.token,
                                 sealedWith: IntegrationEnvironment.tokens)
            let api = try InventoryAPI(connection: registry.connectedShops(openedWith: IntegrationEnvironment.tokens).first { $0.shop == shop }!, plainHTTPHosts: [],
                                   logger: Logger(label: "test"))
            let summary = try CatalogueSync(store: store, api: api).run()
            #expect(summary.items == scenario.skus.count - missingSKUs.count && summary.unknownLocations.isEmpty)
        }
    }

    /// The levels the simulator shows that differ from the ERP's ATS (empty when converged).
    func differences(_ scenario: StockScenario) throws -> [String] {
        let expected = scenario.expectedAvailability
        var differences: [String] = []
        for shop in Set(StockScenario.mappings.map(\.shop)) {
            for level in try simulator.levels(shop) {
                let want = expected["\(shop)|\(level.sku!)|\(level.locationId)"]
                if want != level.available { differences.append("\(shop) \(level.sku!) \(level.locationId): \(level.available), want \(want.map(String.init) ?? "none")") }
            }
        }
        return differences
    }
}
