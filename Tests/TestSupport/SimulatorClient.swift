import Foundation
import StockSyncShopify

/// The Shopify simulator's own endpoints (seed a store, read every level and its history,
/// inject faults, sell on the storefront), for the tests and the benchmarks.
package final class SimulatorClient {
    package let baseURL: String
    private let http: CurlTransport

    package init(baseURL: String) throws {
        self.baseURL = baseURL
        http = try CurlTransport(totalTimeout: .seconds(120))
    }

    package struct Failure: Error, CustomStringConvertible {
        package let description: String
        package init(_ description: String) { self.description = description }
    }

    /// Where a shop's Admin API is, for `stocksync shop connect --admin-url`.
    package func adminURL(_ shop: String) -> String { "\(baseURL)/store/\(shop)" }

    package var isUp: Bool { (try? http.get("\(baseURL)/_simulator/health", headers: []).status) == 200 }

    private func get<T: Decodable>(_ path: String, as: T.Type = T.self) throws -> T {
        let response = try http.get(baseURL + path, headers: [])
        guard response.status == 200 else { throw Failure("GET \(path): HTTP \(response.status)") }
        return try JSONDecoder().decode(T.self, from: Data(response.body))
    }

    private func post(_ path: String, _ body: some Encodable) throws {
        let response = try http.post(baseURL + path, headers: [("Content-Type", "application/json")],
                                     body: Array(try JSONEncoder().encode(body)))
        guard response.status == 200 else {
            throw Failure("POST \(path): HTTP \(response.status) \(String(decoding: response.body.prefix(300), as: UTF8.self))")
        }
    }

    package struct Location: Codable, Sendable {
        package var id: Int
        package var name: String
        package init(id: Int, name: String) { self.id = id; self.name = name }
    }

    package struct Item: Codable, Sendable {
        package var sku: String
        package var levels: [String: Int]
        package init(sku: String, levels: [String: Int]) { self.sku = sku; self.levels = levels }
    }

    package struct Seed: Codable, Sendable {
        package var token: String
        package var plan: String
        /// Points the store's bucket holds; nil: Shopify's size for the plan (20× its rate).
        package var bucketSize: Double?
        package var locations: [Location]
        package var items: [Item]
        package init(token: String, plan: String, bucketSize: Double? = nil, locations: [Location], items: [Item]) {
            self.token = token
            self.plan = plan
            self.bucketSize = bucketSize
            self.locations = locations
            self.items = items
        }
    }

    package struct Level: Codable, Equatable, Sendable {
        package var sku: String?
        package var inventoryItemId: String
        package var locationId: String
        package var available: Int
    }

    package struct Change: Codable, Sendable {
        package var inventoryItemId: String
        package var locationId: String
        package var available: Int
        /// Seconds since 1970.
        package var at: Double
    }

    package struct Stats: Codable, Sendable {
        package var calls: Int
        package var throttled: Int
        package var unauthorized: Int
        package var costCharged: Double
        package var restoreRate: Double
        package var bucketSize: Double
        package var faultsInjected: Int
        package var webhooksDelivered: Int
        package var webhookAttemptsFailed: Int
        package var webhooksAbandoned: Int
        package var tokenGrants: Int
        package var tokenRefreshes: Int
        package var refreshesOfUsedTokens: Int
        package var expiredTokenRefusals: Int
    }

    package struct Faults: Codable, Sendable {
        package var serverErrorRate: Double
        package var lostResponseRate: Double
        package var latencyMilliseconds: Int
        /// Inventory writes naming one of these SKUs fail whole with INTERNAL_SERVER_ERROR.
        package var failingSKUs: [String]
        /// Bulk result downloads that send half the file, then nothing for `stallMilliseconds`.
        package var bulkDownloadStallRate: Double
        package var stallMilliseconds: Int
        package var oldestSupportedVersion: String?
        package var tokenEndpointUnavailable: Bool
        package init(serverErrorRate: Double = 0, lostResponseRate: Double = 0, latencyMilliseconds: Int = 0,
                     failingSKUs: [String] = [], bulkDownloadStallRate: Double = 0, stallMilliseconds: Int = 0,
                     oldestSupportedVersion: String? = nil, tokenEndpointUnavailable: Bool = false) {
            self.oldestSupportedVersion = oldestSupportedVersion
            self.tokenEndpointUnavailable = tokenEndpointUnavailable
            self.serverErrorRate = serverErrorRate
            self.lostResponseRate = lostResponseRate
            self.latencyMilliseconds = latencyMilliseconds
            self.failingSKUs = failingSKUs
            self.bulkDownloadStallRate = bulkDownloadStallRate
            self.stallMilliseconds = stallMilliseconds
        }
    }

    package func seed(_ shop: String, _ seed: Seed) throws { try post("/_simulator/shops/\(shop)", seed) }
    package func levels(_ shop: String) throws -> [Level] { try get("/_simulator/shops/\(shop)/levels") }
    package func history(_ shop: String) throws -> [Change] { try get("/_simulator/shops/\(shop)/history") }
    package func stats(_ shop: String) throws -> Stats { try get("/_simulator/shops/\(shop)/stats") }
    package func setFaults(_ faults: Faults) throws { try post("/_simulator/faults", faults) }

    /// Where the store delivers its order webhooks, signed with `secret`.
    /// `topics` nil: the order topics, refunds/create and app/uninstalled.
    package func subscribe(_ shop: String, address: String, secret: String, duplicateRate: Double = 0,
                          reorderMilliseconds: Int = 0, attempts: Int = 8, topics: [String]? = nil) throws {
        struct Subscription: Codable {
            var address: String; var secret: String; var duplicateRate: Double; var reorderMilliseconds: Int; var attempts: Int
            var topics: [String]?
        }
        try post("/_simulator/shops/\(shop)/webhooks", Subscription(address: address, secret: secret, duplicateRate: duplicateRate,
                                                                     reorderMilliseconds: reorderMilliseconds, attempts: attempts,
                                                                     topics: topics))
    }

    /// The merchant uninstalls the app: its token is revoked, its webhooks deleted, `app/uninstalled` delivered.
    package func uninstallApp(_ shop: String) throws {
        struct Nothing: Codable {}
        try post("/_simulator/shops/\(shop)/uninstall", Nothing())
    }

    /// The app whose tokens the stores grant through OAuth, and their lifetime.
    package func setApp(clientID: String, clientSecret: String, accessTokenSeconds: Double = 3_600, deliveryAttempts: Int = 8) throws {
        struct App: Codable { var clientId: String; var clientSecret: String; var accessTokenSeconds: Double; var deliveryAttempts: Int }
        try post("/_simulator/app", App(clientId: clientID, clientSecret: clientSecret, accessTokenSeconds: accessTokenSeconds,
                                        deliveryAttempts: deliveryAttempts))
    }

    /// The merchant installs the app again, granting `token`.
    package func installApp(_ shop: String, token: String) throws {
        struct Install: Codable { var token: String }
        try post("/_simulator/shops/\(shop)/install", Install(token: token))
    }

    /// A storefront order; returns its id.
    package func placeOrder(_ shop: String, lines: [(sku: String, quantity: Int)]) throws -> Int {
        struct Line: Codable { var sku: String; var quantity: Int }
        struct Order: Codable { var lines: [Line] }
        struct Placed: Codable { var id: Int }
        let response = try http.post(baseURL + "/_simulator/shops/\(shop)/orders", headers: [("Content-Type", "application/json")],
                                     body: Array(try JSONEncoder().encode(Order(lines: lines.map { Line(sku: $0.sku, quantity: $0.quantity) }))))
        guard response.status == 200 else {
            throw Failure("order refused: HTTP \(response.status) \(String(decoding: response.body, as: UTF8.self))")
        }
        return try JSONDecoder().decode(Placed.self, from: Data(response.body)).id
    }

    package func cancelOrder(_ shop: String, id: Int, restock: Bool) throws {
        struct Cancel: Codable { var restock: Bool }
        try post("/_simulator/shops/\(shop)/orders/\(id)/cancel", Cancel(restock: restock))
    }

    private struct LineChanges: Codable {
        struct Line: Codable { var sku: String; var quantity: Int }
        var lines: [Line]
        var restock: Bool
        init(_ lines: [(sku: String, quantity: Int)], restock: Bool) {
            self.lines = lines.map { Line(sku: $0.sku, quantity: $0.quantity) }
            self.restock = restock
        }
    }

    /// An order edit: each named line's quantity becomes the one given.
    package func editOrder(_ shop: String, id: Int, lines: [(sku: String, quantity: Int)], restock: Bool) throws {
        try post("/_simulator/shops/\(shop)/orders/\(id)/edit", LineChanges(lines, restock: restock))
    }

    /// A refund of units of the named lines.
    package func refundOrder(_ shop: String, id: Int, lines: [(sku: String, quantity: Int)], restock: Bool) throws {
        try post("/_simulator/shops/\(shop)/orders/\(id)/refund", LineChanges(lines, restock: restock))
    }

    /// A merchant setting a level in Shopify's admin, behind stocksync's back.
    private struct Edit: Codable { var sku: String; var locationId: String; var available: Int }

    /// A merchant's import: every (sku, location) level set at once.
    package func importLevels(_ shop: String, _ levels: [(sku: String, location: String, available: Int)]) throws {
        struct Import: Codable { var levels: [Edit] }
        try post("/_simulator/shops/\(shop)/imports", Import(levels: levels.map { Edit(sku: $0.sku, locationId: $0.location, available: $0.available) }))
    }

    package func edit(_ shop: String, sku: String, location: String, available: Int) throws {
        try post("/_simulator/shops/\(shop)/edits", Edit(sku: sku, locationId: location, available: available))
    }

    /// A storefront order taking `quantity` at a location.
    package func sell(_ shop: String, sku: String, location: String, quantity: Int) throws {
        struct Sale: Codable { var sku: String; var locationId: String; var quantity: Int }
        try post("/_simulator/shops/\(shop)/sales", Sale(sku: sku, locationId: location, quantity: quantity))
    }
}
