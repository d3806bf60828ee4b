import Foundation
import Hummingbird
import NIOCore
import ShopifySimulator
import StockSyncShopify

/// Shopify's paths, and the simulator's own under `/_simulator`.
enum SimulatorRoutes {
    static let maximumBody = 8 * 1024 * 1024

    static func router(_ simulator: ShopifySimulator) -> Router<BasicRequestContext> {
        let router = Router()
        // A real store is told apart by its host name; on loopback, by the path.
        router.post("/admin/api/:version/graphql.json") { request, context in
            let host = request.head.authority.map { String($0.prefix { $0 != ":" }) } ?? ""
            return try await graphQL(simulator, shop: host, request: request, context: context)
        }
        router.post("/store/:shop/admin/api/:version/graphql.json") { request, context in
            try await graphQL(simulator, shop: context.parameters.require("shop"), request: request, context: context)
        }
        // OAuth (`OAuthGrants`): the authorize page and the token endpoint, by host or by path.
        for prefix in ["", "/store/:shop"] {
            @Sendable func shop(_ request: Request, _ context: BasicRequestContext) -> String {
                context.parameters.get("shop") ?? request.head.authority.map { String($0.prefix { $0 != ":" }) } ?? ""
            }
            router.get("\(prefix)/admin/oauth/authorize") { request, context -> Response in
                let query = FormEncoding.decode(request.uri.query ?? "")
                switch await simulator.authorize(shop: shop(request, context), query: query) {
                case .redirect(let location):
                    return Response(status: .found, headers: [.location: location])
                case .refused(let status, let reason):
                    return bytes(.init(code: status), Array("\(reason)\n".utf8), contentType: "text/plain; charset=utf-8")
                }
            }
            router.post("\(prefix)/admin/oauth/access_token") { request, context -> Response in
                let body = String(buffer: try await request.body.collect(upTo: 64 * 1024))
                // Form-encoded as OAuth has it, or JSON as some clients send it.
                let form: [(String, String)]
                if request.headers[.contentType]?.hasPrefix("application/json") == true {
                    let object = (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
                    form = object.map { ($0.key, "\($0.value)") }
                } else {
                    form = FormEncoding.decode(body)
                }
                let answer = await simulator.grantToken(shop: shop(request, context), form: form)
                return bytes(.init(code: answer.status), Array(try JSONSerialization.data(withJSONObject: answer.body)),
                             contentType: "application/json")
            }
        }
        router.get("/_simulator/bulk/:shop/:file") { _, context -> Response in
            let file = try context.parameters.require("file")
            guard file.hasSuffix(".jsonl"), let id = Int(file.dropLast(6)),
                  let body = try? await simulator.bulkResult(shop: context.parameters.require("shop"), id: id)
            else { return Response(status: .notFound) }
            guard let stall = await simulator.bulkDownloadStall() else { return bytes(.ok, body, contentType: "application/jsonl") }
            // Half the file, then nothing: a transfer that hangs midway.
            let half = body.count / 2
            return Response(status: .ok, headers: [.contentType: "application/jsonl"],
                            body: ResponseBody(contentLength: body.count) { writer in
                                try await writer.write(ByteBuffer(bytes: body[..<half]))
                                try await Task.sleep(for: stall)
                                try await writer.write(ByteBuffer(bytes: body[half...]))
                                try await writer.finish(nil)
                            })
        }
        // PUT, or POST for clients that only post.
        for method in [HTTPRequest.Method.put, .post] {
            router.on("/_simulator/shops/:shop", method: method) { request, context -> Response in
                // A catalogue of a million levels is tens of megabytes of JSON.
                let body = try await request.body.collect(upTo: 1 << 30)
                let seed = try JSONDecoder().decode(ShopifySimulator.Seed.self, from: Data(Array(buffer: body)))
                do {
                    let ids = try await simulator.seed(shop: context.parameters.require("shop"), seed)
                    return try json(.ok, ["inventoryItemIds": ids])
                } catch let error as ShopifySimulator.SeedError {
                    return try json(.badRequest, ["error": error.description])
                }
            }
            router.on("/_simulator/app", method: method) { request, context -> Response in
                let app = try await request.decode(as: ShopifySimulator.App.self, context: context)
                await simulator.setApp(app)
                return try json(.ok, ["clientId": app.clientId])
            }
            router.on("/_simulator/faults", method: method) { request, context -> Response in
                let faults = try await request.decode(as: ShopifySimulator.Faults.self, context: context)
                await simulator.setFaults(faults)
                return try json(.ok, faults)
            }
        }
        router.get("/_simulator/shops/:shop/levels") { _, context in
            try json(.ok, await simulator.levels(shop: context.parameters.require("shop")))
        }
        router.get("/_simulator/shops/:shop/history") { _, context in
            try json(.ok, await simulator.history(shop: context.parameters.require("shop")))
        }
        router.get("/_simulator/shops/:shop/stats") { _, context in
            try json(.ok, await simulator.stats(shop: context.parameters.require("shop")))
        }
        router.post("/_simulator/shops/:shop/sales") { request, context -> Response in
            let sale = try await request.decode(as: ShopifySimulator.Sale.self, context: context)
            do {
                let available = try await simulator.sell(shop: context.parameters.require("shop"), sale)
                return try json(.ok, ["available": available])
            } catch let error as ShopifySimulator.SeedError {
                return try json(.notFound, ["error": error.description])
            }
        }
        // {"levels": [{"sku", "locationId", "available"}, …]}: a merchant's import of many levels.
        router.post("/_simulator/shops/:shop/imports") { request, context -> Response in
            struct Import: Decodable { var levels: [ShopifySimulator.Edit] }
            let body = try await request.body.collect(upTo: 64 << 20)
            let levels = try JSONDecoder().decode(Import.self, from: Data(Array(buffer: body))).levels
            do {
                try await simulator.importLevels(shop: context.parameters.require("shop"), levels)
                return try json(.ok, ["imported": levels.count])
            } catch let error as ShopifySimulator.SeedError {
                return try json(.notFound, ["error": error.description])
            }
        }
        router.post("/_simulator/shops/:shop/edits") { request, context -> Response in
            let edit = try await request.decode(as: ShopifySimulator.Edit.self, context: context)
            do {
                try await simulator.edit(shop: context.parameters.require("shop"), edit)
                return try json(.ok, ["available": edit.available])
            } catch let error as ShopifySimulator.SeedError {
                return try json(.notFound, ["error": error.description])
            }
        }
        router.post("/_simulator/shops/:shop/webhooks") { request, context -> Response in
            let subscription = try await request.decode(as: ShopifySimulator.Subscription.self, context: context)
            try await simulator.subscribe(shop: context.parameters.require("shop"), subscription)
            return try json(.ok, ["address": subscription.address])
        }
        router.post("/_simulator/shops/:shop/uninstall") { _, context -> Response in
            try await simulator.uninstallApp(shop: context.parameters.require("shop"))
            return try json(.ok, ["uninstalled": true])
        }
        // {"token": …}: the app installed again, with the token the OAuth grant would issue.
        router.post("/_simulator/shops/:shop/install") { request, context -> Response in
            struct Install: Decodable { var token: String }
            let install = try await request.decode(as: Install.self, context: context)
            try await simulator.installApp(shop: context.parameters.require("shop"), token: install.token)
            return try json(.ok, ["installed": true])
        }
        router.post("/_simulator/shops/:shop/orders") { request, context -> Response in
            let order = try await request.decode(as: ShopifySimulator.OrderRequest.self, context: context)
            do {
                let resource = try await simulator.placeOrder(shop: context.parameters.require("shop"), order)
                return bytes(.ok, Array(try JSONSerialization.data(withJSONObject: resource)), contentType: "application/json")
            } catch let refusal as ShopifySimulator.OrderRefused {
                return try json(.unprocessableContent, ["error": refusal.description])
            }
        }
        // Many orders at once (benchmarks): {"orders": [{"lines": …}, …]} → one order resource a line.
        router.post("/_simulator/shops/:shop/orders/bulk") { request, context -> Response in
            struct Orders: Decodable { var orders: [ShopifySimulator.OrderRequest] }
            let orders = try await request.decode(as: Orders.self, context: context)
            var lines: [UInt8] = []
            do {
                for order in orders.orders {
                    let resource = try await simulator.placeOrder(shop: context.parameters.require("shop"), order)
                    lines += try JSONSerialization.data(withJSONObject: resource) + [UInt8(ascii: "\n")]
                }
            } catch let refusal as ShopifySimulator.OrderRefused {
                return try json(.unprocessableContent, ["error": refusal.description])
            }
            return bytes(.ok, lines, contentType: "application/x-ndjson")
        }
        router.post("/_simulator/shops/:shop/orders/:order/cancel") { request, context -> Response in
            struct Cancel: Decodable { var restock: Bool? }
            let cancel = try await request.decode(as: Cancel.self, context: context)
            do {
                try await simulator.cancelOrder(shop: context.parameters.require("shop"),
                                                id: context.parameters.require("order", as: Int.self),
                                                restock: cancel.restock ?? true)
                return try json(.ok, ["cancelled": true])
            } catch let refusal as ShopifySimulator.OrderRefused {
                return try json(.notFound, ["error": refusal.description])
            }
        }
        // Order edits and refunds: {"lines": [{"sku", "quantity"}], "restock": true}.
        struct LineChanges: Decodable { var lines: [ShopifySimulator.LineChange]; var restock: Bool? }
        for action in ShopifySimulator.LineAction.allCases {
            router.post("/_simulator/shops/:shop/orders/:order/\(action.rawValue)") { request, context -> Response in
                let changes = try await request.decode(as: LineChanges.self, context: context)
                do {
                    try await simulator.change(action, shop: context.parameters.require("shop"),
                                               id: context.parameters.require("order", as: Int.self), changes.lines,
                                               restock: changes.restock ?? true)
                    return try json(.ok, [action.rawValue: true])
                } catch let refusal as ShopifySimulator.OrderRefused {
                    return try json(.unprocessableContent, ["error": refusal.description])
                }
            }
        }
        router.get("/_simulator/faults") { _, _ in try json(.ok, await simulator.faults) }
        router.get("/_simulator/health") { _, _ in "ok\n" }
        return router
    }

    private static func graphQL(_ simulator: ShopifySimulator, shop: String, request: Request,
                                context: BasicRequestContext) async throws -> Response {
        let version = try context.parameters.require("version")
        let body = try await request.body.collect(upTo: maximumBody)
        let host = request.head.authority ?? "127.0.0.1"
        let answer = await simulator.graphQL(
            shop: shop, version: version, accessToken: request.headers[.init("X-Shopify-Access-Token")!],
            body: Array(buffer: body), baseURL: "http://\(host)")
        var response = bytes(.init(code: answer.status), answer.body, contentType: "application/json; charset=utf-8")
        if let served = answer.apiVersion { response.headers[.init("X-Shopify-API-Version")!] = served }
        return response
    }

    private static func bytes(_ status: HTTPResponse.Status, _ body: [UInt8], contentType: String) -> Response {
        Response(status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    private static func json(_ status: HTTPResponse.Status, _ value: some Encodable) throws -> Response {
        bytes(status, Array(try JSONEncoder().encode(value)), contentType: "application/json")
    }
}
