import Foundation
import Logging
import ShopifySimulator
import StockSyncDomain
import StockSyncRuntime
import StockSyncShopify

/// The client's HTTP answered by a simulator in this process: the real client (pacing,
/// errors, paging, splitting) against the real simulator, without a server. It blocks
/// until the simulator answers, so the client runs on a thread of its own (`withAPI`),
/// never on Swift's cooperative pool, which the simulator needs to answer.
final class InProcessTransport: HTTPTransport {
    let simulator: ShopifySimulator
    let shop: String

    init(_ simulator: ShopifySimulator, shop: String) {
        self.simulator = simulator
        self.shop = shop
    }

    private final class Answer: @unchecked Sendable {
        var value: ShopifySimulator.Answer?
    }

    func post(_ url: String, headers: [(String, String)], body: [UInt8]) throws(TransportError) -> HTTPResponse {
        // …/admin/api/<version>/graphql.json
        let parts = url.split(separator: "/")
        guard let api = parts.firstIndex(of: "api"), api + 1 < parts.count else {
            throw TransportError(.other, "not an Admin API address: \(url)")
        }
        let version = String(parts[api + 1])
        let token = headers.first { $0.0 == "X-Shopify-Access-Token" }?.1
        let answer = Answer(), done = DispatchSemaphore(value: 0)
        Task { [simulator, shop] in
            answer.value = await simulator.graphQL(shop: shop, version: version, accessToken: token, body: body,
                                                   baseURL: "http://127.0.0.1:1")
            done.signal()
        }
        done.wait()
        return HTTPResponse(status: answer.value!.status, body: answer.value!.body,
                            headers: answer.value!.apiVersion.map { ["x-shopify-api-version": $0] } ?? [:])
    }

    func get(_ url: String, headers: [(String, String)]) throws(TransportError) -> HTTPResponse {
        throw TransportError(.other, "only GraphQL calls are answered in process")
    }

    func download(_ url: String, to path: String) throws(TransportError) -> Int {
        throw TransportError(.other, "only GraphQL calls are answered in process")
    }
}

extension ShopifySimulator {
    /// `body` with an `InventoryAPI` of `shop` over this simulator, on a thread of its own.
    func withAPI<T: Sendable>(shop: String, token: String, _ body: @escaping @Sendable (InventoryAPI) throws -> T) async throws -> T {
        try await DedicatedThread.run { [self] in
            let connection = ShopConnection(shop: shop, apiVersion: .default, accessToken: token)
            let client = AdminGraphQLClient(connection: connection, transport: InProcessTransport(self, shop: shop),
                                            logger: Logger(label: "test"))
            return try body(InventoryAPI(client: client))
        }
    }
}
