import Foundation
import GraphQL
import OrderedCollections
import StockSyncCore

/// A development stand-in for Shopify's Admin GraphQL API: the simulated stores, their
/// API budgets, and the faults to inject. Every change to a store happens inside this
/// actor, one call at a time, as Shopify applies one mutation at a time to a store.
public actor ShopifySimulator {
    var shops: [String: SimulatedShop] = [:]
    public private(set) var faults = Faults()
    private var schemas: [ShopifyAPIVersion: GraphQLSchema] = [:]
    private let started = ContinuousClock.now
    private var random = SystemRandomNumberGenerator()

    /// Injected misbehaviour, as shares of requests.
    public struct Faults: Codable, Sendable, Equatable {
        /// Answered 503 without being applied.
        public var serverErrorRate: Double = 0
        /// Applied, then answered 502: the client must retry with the same idempotency key.
        public var lostResponseRate: Double = 0
        /// Added to every answer.
        public var latencyMilliseconds: Int = 0
        /// Held this long before any answer (to trip client timeouts).
        public var stallRate: Double = 0
        public var stallMilliseconds: Int = 0

        public init() {}
    }

    public init() {}

    public func setFaults(_ faults: Faults) {
        self.faults = faults
    }

    var now: Double { (ContinuousClock.now - started).seconds }
    var wallClock: Double { Date().timeIntervalSince1970 }

    func schema(_ version: ShopifyAPIVersion) throws -> GraphQLSchema {
        if let schema = schemas[version] { return schema }
        let schema = try SimulatorSchema.build(version: version)
        schemas[version] = schema
        return schema
    }

    func roll(_ rate: Double) -> Bool {
        rate > 0 && Double.random(in: 0..<1, using: &random) < rate
    }

    func withShop<T>(_ domain: String, _ body: (inout SimulatedShop) throws -> T) throws -> T {
        guard var shop = shops[domain] else { throw SimulatorError.unknownShop(domain) }
        defer { shops[domain] = shop }
        return try body(&shop)
    }

    func shop(_ domain: String) throws -> SimulatedShop {
        guard let shop = shops[domain] else { throw SimulatorError.unknownShop(domain) }
        return shop
    }

    enum SimulatorError: Error, CustomStringConvertible {
        case unknownShop(String)
        var description: String {
            switch self {
            case .unknownShop(let shop): "no simulated shop \(shop)"
            }
        }
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
