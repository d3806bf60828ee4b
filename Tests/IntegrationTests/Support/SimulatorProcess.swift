import Foundation
import StockSyncCore

/// The `shopify-simulator` executable on a port of its own, driven through its inspection
/// endpoints over the project's own HTTP transport.
final class SimulatorProcess {
    let server: WorkerProcess
    let port: Int
    private let http: CurlTransport

    var baseURL: String { "http://127.0.0.1:\(port)" }

    init(environment: [String: String] = [:]) throws {
        port = Int.random(in: 20_000..<30_000)
        server = try WorkerProcess("shopify-simulator", name: "shopify-simulator",
                                   environment: environment.merging(["SIMULATOR_PORT": "\(port)"]) { $1 })
        http = try CurlTransport(totalTimeout: .seconds(30))
        let started = try IntegrationEnvironment.eventually(timeout: .seconds(20), every: .milliseconds(100)) {
            (try? http.get("\(baseURL)/_simulator/health", headers: []).status) == 200
        }
        guard started else { throw Failure("the simulator did not start:\n\(server.log)") }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Where a shop's Admin API is, for `stocksync shop connect --admin-url`.
    func adminURL(_ shop: String) -> String { "\(baseURL)/store/\(shop)" }

    private func request(_ method: String, _ path: String, _ body: (some Encodable)?) throws -> [UInt8] {
        let url = baseURL + path
        let response = try method == "GET"
            ? http.get(url, headers: [])
            : http.post(url, headers: [("Content-Type", "application/json")], body: Array(try JSONEncoder().encode(body)))
        guard response.status == 200 else {
            throw Failure("\(method) \(path): HTTP \(response.status) \(String(decoding: response.body, as: UTF8.self))")
        }
        return response.body
    }

    struct Location: Codable { var id: Int; var name: String }
    struct Item: Codable { var sku: String; var levels: [String: Int] }
    struct Seed: Codable {
        var token: String
        var plan: String
        var locations: [Location]
        var items: [Item]
    }

    struct Level: Codable, Equatable {
        var sku: String?
        var inventoryItemId: String
        var locationId: String
        var available: Int
    }

    struct Change: Codable {
        var inventoryItemId: String
        var locationId: String
        var available: Int
        var at: Double
    }

    struct Faults: Codable {
        var serverErrorRate = 0.0
        var lostResponseRate = 0.0
        var latencyMilliseconds = 0
        var stallRate = 0.0
        var stallMilliseconds = 0
    }

    func seed(_ shop: String, _ seed: Seed) throws {
        _ = try request("PUT", "/_simulator/shops/\(shop)", seed)
    }

    func levels(_ shop: String) throws -> [Level] {
        try JSONDecoder().decode([Level].self, from: Data(request("GET", "/_simulator/shops/\(shop)/levels", Optional<Int>.none)))
    }

    func history(_ shop: String) throws -> [Change] {
        try JSONDecoder().decode([Change].self, from: Data(request("GET", "/_simulator/shops/\(shop)/history", Optional<Int>.none)))
    }

    struct Stats: Codable {
        var calls: Int
        var throttled: Int
        var costCharged: Double
        var restoreRate: Double
        var bucketSize: Double
        var faultsInjected: Int
    }

    func stats(_ shop: String) throws -> Stats {
        try JSONDecoder().decode(Stats.self, from: Data(request("GET", "/_simulator/shops/\(shop)/stats", Optional<Int>.none)))
    }

    func setFaults(_ faults: Faults) throws {
        _ = try request("PUT", "/_simulator/faults", faults)
    }

    /// A storefront order taking `quantity` at a location; returns what is left.
    func sell(_ shop: String, sku: String, location: String, quantity: Int) throws {
        struct Sale: Codable { var sku: String; var locationId: String; var quantity: Int }
        _ = try request("POST", "/_simulator/shops/\(shop)/sales", Sale(sku: sku, locationId: location, quantity: quantity))
    }
}
