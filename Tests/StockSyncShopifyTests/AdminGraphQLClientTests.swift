import Foundation
import Logging
import StockSyncDomain
import StockSyncRuntime
import StockSyncShopify
import Testing

/// The client against scripted answers: which are retried, which wait for the bucket,
/// which fail at once, and that a retry resends the very same body.
@Suite("Admin GraphQL client")
struct AdminGraphQLClientTests {
    final class ScriptedTransport: HTTPTransport {
        var answers: [Result<HTTPResponse, TransportError>]
        var requests: [(url: String, headers: [(String, String)], body: [UInt8])] = []

        init(_ answers: [Result<HTTPResponse, TransportError>]) {
            self.answers = answers
        }

        func post(_ url: String, headers: [(String, String)], body: [UInt8]) throws(TransportError) -> HTTPResponse {
            requests.append((url, headers, body))
            return try answers.removeFirst().get()
        }

        func get(_ url: String, headers: [(String, String)]) throws(TransportError) -> HTTPResponse {
            requests.append((url, headers, []))
            return try answers.removeFirst().get()
        }

        func download(_ url: String, to path: String) throws(TransportError) -> Int {
            let response = try get(url, headers: [])
            FileManager.default.createFile(atPath: path, contents: Data(response.body))
            return response.status
        }
    }

    static let token = "shpat_secret_token_value"
    static let cost = #""extensions":{"cost":{"requestedQueryCost":10,"actualQueryCost":10,"throttleStatus":{"maximumAvailable":2000.0,"currentlyAvailable":1990.0,"restoreRate":100.0}}}"#
    static let applied = #"{"data":{"inventorySetQuantities":{"inventoryAdjustmentGroup":{"id":"gid://shopify/InventoryAdjustmentGroup/1"},"userErrors":[]}},"# + cost + "}"
    static let throttled = #"{"errors":[{"message":"Throttled","extensions":{"code":"THROTTLED"}}],"extensions":{"cost":{"requestedQueryCost":10,"actualQueryCost":null,"throttleStatus":{"maximumAvailable":2000.0,"currentlyAvailable":9.5,"restoreRate":100.0}}}}"#

    static func answer(_ status: Int, _ body: String) -> Result<HTTPResponse, TransportError> {
        .success(HTTPResponse(status: status, body: Array(body.utf8)))
    }

    private func api(_ transport: ScriptedTransport, version: String = "2026-07") -> InventoryAPI {
        let connection = ShopConnection(shop: "demo.myshopify.com", apiVersion: ShopifyAPIVersion(version)!,
                                        accessToken: Self.token)
        let client = AdminGraphQLClient(connection: connection, transport: transport, logger: Logger(label: "test"))
        client.backoff = Backoff(base: .milliseconds(1), cap: .milliseconds(2))
        return InventoryAPI(client: client)
    }

    private let quantities = [PushQuantity(sku: "A", inventoryItemID: "gid://shopify/InventoryItem/1",
                                           location: "gid://shopify/Location/1", quantity: 7, changeFrom: 5, version: 3)]

    @Test("posts to the version's GraphQL path with the access token header")
    func requestShape() throws {
        let transport = ScriptedTransport([Self.answer(200, Self.applied)])
        #expect(try api(transport).setAvailable(quantities, idempotencyKey: "key-1") == .applied)
        let request = try #require(transport.requests.first)
        #expect(request.url == "https://demo.myshopify.com/admin/api/2026-07/graphql.json")
        #expect(request.headers.contains { $0 == ("X-Shopify-Access-Token", Self.token) })
        let body = String(decoding: request.body, as: UTF8.self)
        #expect(body.contains(#""changeFromQuantity":5"#) && body.contains(#""idempotencyKey":"key-1""#))
        #expect(body.contains("@idempotent(key: $idempotencyKey)"))
    }

    @Test("versions before 2026-01 compare with compareQuantity and send no idempotency key")
    func olderVersionsUseCompareQuantity() throws {
        let transport = ScriptedTransport([Self.answer(200, Self.applied)])
        _ = try api(transport, version: "2025-10").setAvailable(quantities, idempotencyKey: "key-1")
        let body = String(decoding: transport.requests[0].body, as: UTF8.self)
        #expect(body.contains(#""compareQuantity":5"#))
        #expect(!body.contains("changeFromQuantity") && !body.contains("idempotent"))
    }

    @Test("THROTTLED, with HTTP 200 or 429, waits for the bucket and sends again", arguments: [200, 429])
    func throttledWaitsAndRetries(status: Int) throws {
        let transport = ScriptedTransport([Self.answer(status, Self.throttled), Self.answer(200, Self.applied)])
        #expect(try api(transport).setAvailable(quantities, idempotencyKey: "key-1") == .applied)
        #expect(transport.requests.count == 2)
    }

    @Test("5xx and lost connections are retried with the same body, so the same idempotency key")
    func outagesRetrySameBody() throws {
        let transport = ScriptedTransport([
            Self.answer(503, "Service Unavailable"), .failure(TransportError(.timeout, "timed out")),
            Self.answer(502, "Bad Gateway"), Self.answer(200, Self.applied),
        ])
        let api = api(transport)
        var waits = 0
        api.client.beforeWaiting = { waits += 1 }
        #expect(try api.setAvailable(quantities, idempotencyKey: "key-1") == .applied)
        #expect(transport.requests.count == 4)
        #expect(Set(transport.requests.map { String(decoding: $0.body, as: UTF8.self) }).count == 1)
        #expect(waits == 3, "the caller is told before each wait, to keep its database session alive")
    }

    @Test("an outage that outlasts every attempt is a retriable error")
    func outagesGiveUp() {
        let transport = ScriptedTransport(Array(repeating: .failure(TransportError(.connection, "refused")), count: 8))
        #expect {
            try api(transport).setAvailable(quantities, idempotencyKey: "key-1")
        } throws: { error in
            (error as? ShopifyError)?.isRetriable == true
        }
    }

    @Test("a refused token fails at once, and the error never shows the token")
    func unauthorizedIsNotRetried() {
        let transport = ScriptedTransport([Self.answer(401, #"{"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"}"#)])
        #expect {
            try api(transport).setAvailable(quantities, idempotencyKey: "key-1")
        } throws: { error in
            let error = error as! ShopifyError
            return !error.isRetriable && error.httpStatus == 401 && !"\(error)".contains(Self.token)
                && !"\(ShopConnection(shop: "s", accessToken: Self.token))".contains(Self.token)
        }
        #expect(transport.requests.count == 1)
    }

    /// Replaces a refused token with the next of `replacements` (nil: none), counting asks.
    final class ReplacingTokens: AccessTokenSource {
        var current: String
        var replacements: [String?]
        var refused: [String] = []

        init(_ current: String, replacements: [String?]) {
            self.current = current
            self.replacements = replacements
        }

        func token() -> String { current }

        func token(replacingRefused refused: String) -> String? {
            self.refused.append(refused)
            guard let next = replacements.removeFirst() else { return nil }
            current = next
            return next
        }
    }

    @Test("a token refused 401 is replaced once and the call sent again with the new one; a second refusal fails")
    func refusedTokenReplacedOnce() throws {
        let unauthorized = Self.answer(401, #"{"errors":"[API] Invalid API key or access token (unrecognized login or wrong password)"}"#)
        let transport = ScriptedTransport([unauthorized, Self.answer(200, Self.applied)])
        let client = api(transport)
        let tokens = ReplacingTokens("shpat_expired", replacements: ["shpat_refreshed"])
        client.client.tokens = tokens
        #expect(try client.setAvailable(quantities, idempotencyKey: "key-1") == .applied)
        #expect(transport.requests.map { $0.headers.first { $0.0 == "X-Shopify-Access-Token" }?.1 } == ["shpat_expired", "shpat_refreshed"])
        #expect(transport.requests[0].body == transport.requests[1].body)
        #expect(tokens.refused == ["shpat_expired"])

        // Refused again with the replacement: Shopify's answer stands.
        let twice = ScriptedTransport([unauthorized, unauthorized])
        let refusedTwice = api(twice)
        refusedTwice.client.tokens = ReplacingTokens("shpat_a", replacements: ["shpat_b", "shpat_c"])
        #expect { try refusedTwice.setAvailable(quantities, idempotencyKey: "key-2") } throws: { ($0 as? ShopifyError)?.httpStatus == 401 }
        #expect(twice.requests.count == 2)

        // No replacement (the app was uninstalled): fails at once.
        let none = ScriptedTransport([unauthorized])
        let noReplacement = api(none)
        noReplacement.client.tokens = ReplacingTokens("shpat_a", replacements: [nil])
        #expect { try noReplacement.setAvailable(quantities, idempotencyKey: "key-3") } throws: { ($0 as? ShopifyError)?.httpStatus == 401 }
        #expect(none.requests.count == 1)
    }

    @Test("the token endpoint: a code for an expiring token, a refresh grant form-encoded; a refusal keeps only its error code")
    func tokenEndpoint() throws {
        let grant = #"{"access_token":"shpat_new","scope":"read_orders,write_inventory","expires_in":3600,"refresh_token":"shprt_next","refresh_token_expires_in":7776000}"#
        let transport = ScriptedTransport([Self.answer(200, grant), Self.answer(200, grant),
                                           Self.answer(400, #"{"error":"invalid_grant","error_description":"shprt_old is revoked"}"#),
                                           Self.answer(503, "unavailable")])
        let endpoint = OAuthTokenEndpoint(credentials: ShopifyAppCredentials(clientID: "app id", clientSecret: "s3cret&="),
                                          transport: transport)
        let granted = try endpoint.exchange(code: "c0de", adminBaseURL: "https://demo.myshopify.com")
        #expect(granted == AccessGrant(accessToken: "shpat_new", scope: "read_orders,write_inventory", expiresIn: 3600,
                                       refreshToken: "shprt_next", refreshTokenExpiresIn: 7_776_000))
        #expect(transport.requests[0].url == "https://demo.myshopify.com/admin/oauth/access_token")
        #expect(String(decoding: transport.requests[0].body, as: UTF8.self)
            == "client_id=app%20id&client_secret=s3cret%26%3D&code=c0de&expiring=1")
        _ = try endpoint.refresh("shprt_old", adminBaseURL: "https://demo.myshopify.com")
        #expect(FormEncoding.decode(String(decoding: transport.requests[1].body, as: UTF8.self)).map { "\($0.0)=\($0.1)" }
            == ["client_id=app id", "client_secret=s3cret&=", "grant_type=refresh_token", "refresh_token=shprt_old"])
        #expect { try endpoint.refresh("shprt_old", adminBaseURL: "https://demo.myshopify.com") } throws: { error in
            let error = error as! TokenEndpointError
            return !error.isRetriable && "\(error)".contains("invalid_grant") && !"\(error)".contains("shprt_old")
        }
        #expect { try endpoint.refresh("shprt_old", adminBaseURL: "https://demo.myshopify.com") } throws: {
            ($0 as! TokenEndpointError).isRetriable
        }
        #expect(!"\(endpoint.credentials)".contains("s3cret"))
    }

    @Test("GraphQL errors are not retried")
    func graphQLErrorsFail() {
        let transport = ScriptedTransport([Self.answer(200, #"{"errors":[{"message":"Field 'x' doesn't exist on type 'Y'","extensions":{"code":"undefinedField"}}]}"#)])
        #expect {
            try api(transport).setAvailable(quantities, idempotencyKey: "key-1")
        } throws: { error in
            !(error as! ShopifyError).isRetriable && "\(error)".contains("undefinedField")
        }
    }

    @Test("userErrors name the refused quantity by its index; stale ones are told apart")
    func refusalsAreParsedPerQuantity() throws {
        let body = #"{"data":{"inventorySetQuantities":{"inventoryAdjustmentGroup":null,"userErrors":["#
            + #"{"code":"CHANGE_FROM_QUANTITY_STALE","field":["input","quantities","0","changeFromQuantity"],"message":"stale"},"#
            + #"{"code":"ITEM_NOT_STOCKED_AT_LOCATION","field":["input","quantities","1","locationId"],"message":"not stocked"},"#
            + #"{"code":"INVALID_REASON","field":["input","reason"],"message":"bad reason"}]}},"# + Self.cost + "}"
        let transport = ScriptedTransport([Self.answer(200, body)])
        let outcome = try api(transport).setAvailable(quantities, idempotencyKey: "key-1")
        #expect(outcome == .refused([
            .init(index: 0, code: "CHANGE_FROM_QUANTITY_STALE", message: "stale"),
            .init(index: 1, code: "ITEM_NOT_STOCKED_AT_LOCATION", message: "not stocked"),
            .init(index: nil, code: "INVALID_REASON", message: "bad reason"),
        ]))
        guard case .refused(let refusals) = outcome else { return }
        #expect(refusals.map(\.kind) == [.stale, .notStocked, .problem])
    }

    @Test("a bulk query waits while another bulk query of the shop runs")
    func bulkQueryWaitsForTheRunningOne() throws {
        let busy = #"{"data":{"bulkOperationRunQuery":{"bulkOperation":null,"userErrors":[{"code":"OPERATION_IN_PROGRESS","field":["query"],"message":"A bulk query operation for this app and shop is already in progress"}]}},"# + Self.cost + "}"
        let started = #"{"data":{"bulkOperationRunQuery":{"bulkOperation":{"id":"gid://shopify/BulkOperation/7","status":"CREATED"},"userErrors":[]}},"# + Self.cost + "}"
        let transport = ScriptedTransport([Self.answer(200, busy), Self.answer(200, started)])
        #expect(try api(transport).startBulkQuery("{ shop { id } }") == "gid://shopify/BulkOperation/7")
        let refused = ScriptedTransport([Self.answer(200, busy)])
        #expect(throws: ShopifyError.self) { try api(refused).startBulkQuery("{ shop { id } }", patience: .zero) }
    }

    @Test("a bulk result's JSON lines become items and their levels, read from the file line by line")
    func catalogueFromJSONLines() throws {
        let jsonl = """
            {"id":"gid://shopify/InventoryItem/1","sku":"A"}
            {"location":{"id":"gid://shopify/Location/1"},"quantities":[{"name":"available","quantity":4}],"__parentId":"gid://shopify/InventoryItem/1"}
            {"id":"gid://shopify/InventoryItem/2","sku":null}
            {"id":"gid://shopify/InventoryItem/3","sku":"CAFE\\u0301"}

            """
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bulk-\(UUID()).jsonl").path
        FileManager.default.createFile(atPath: path, contents: Data(jsonl.utf8))
        defer { try? FileManager.default.removeItem(atPath: path) }
        var lines: [BulkInventoryLine] = []
        try BulkInventoryLine.read(path) { lines.append($0) }
        #expect(lines == [.item(id: "gid://shopify/InventoryItem/1", sku: "A"),
                          .level(inventoryItemID: "gid://shopify/InventoryItem/1", location: "gid://shopify/Location/1", available: 4),
                          .item(id: "gid://shopify/InventoryItem/2", sku: nil),
                          .item(id: "gid://shopify/InventoryItem/3", sku: nil)], "an SKU not in NFC is no ERP SKU")
        FileManager.default.createFile(atPath: path, contents: Data(#"{"__parentId":"x"}"#.utf8))
        #expect(throws: ShopifyError.self) { try BulkInventoryLine.read(path) { _ in } }
    }
}

extension AdminGraphQLClientTests {
    static func placement(_ lines: [(id: Int, sku: String)], location: Int, more: Bool = false) -> String {
        let nodes = lines.map { #"{"totalQuantity":1,"lineItem":{"id":"gid://shopify/LineItem/\#($0.id)","sku":"\#($0.sku)"}}"# }
        return #"{"fulfillmentOrders":{"pageInfo":{"hasNextPage":false},"nodes":[{"id":"gid://shopify/FulfillmentOrder/\#(lines.first?.id ?? 0)","assignedLocation":{"location":{"id":"gid://shopify/Location/\#(location)"}},"lineItems":{"pageInfo":{"hasNextPage":\#(more)},"nodes":[\#(nodes.joined(separator: ","))]}}]}}"#
    }

    @Test("a look-up refused for cost is asked again in halves until each fits")
    func costRefusalSplitsTheLookUp() throws {
        let ids = (1...4).map { "gid://shopify/Order/\($0)" }
        let refused = #"{"errors":[{"message":"Query cost is 1075, which exceeds the single query max cost limit (1000).","extensions":{"code":"MAX_COST_EXCEEDED"}}]}"#
        func orders(_ numbers: [Int]) -> String {
            let members = numbers.enumerated().map { #""o\#($0.offset)":\#(Self.placement([($0.element, "S\($0.element)")], location: 1))"# }
            return #"{"data":{\#(members.joined(separator: ","))},"# + Self.cost + "}"
        }
        let transport = ScriptedTransport([
            Self.answer(200, refused),  // 4 orders
            Self.answer(200, refused),  // the first 2
            Self.answer(200, orders([1])), Self.answer(200, orders([2])),
            Self.answer(200, orders([3, 4])),
        ])
        let found = try api(transport).fulfillmentLines(orderIDs: ids)
        #expect(transport.requests.count == 5)
        #expect(Set(found.keys) == Set(ids))
        #expect(found[ids[3]]?.map(\.sku) == ["S4"])
        let lone = ScriptedTransport([Self.answer(200, refused)])
        #expect(throws: ShopifyError.self, "one order alone refused: nothing smaller to ask") {
            try api(lone).fulfillmentLines(orderIDs: [ids[0]])
        }
    }

    @Test("orders' locations are asked 16 orders a call; an unknown order is left out; one whose lines overflow the page is asked alone")
    func ordersFulfillmentBatches() throws {
        let ids = (1...17).map { "gid://shopify/Order/\($0)" }
        var first = (0..<16).map { index in #""o\#(index)":\#(Self.placement([(index, "S\(index)")], location: 1))"# }
        first[1] = #""o1":null"#
        first[2] = #""o2":\#(Self.placement([(2, "S2")], location: 1, more: true))"#
        let whole = #"{"data":{"order":\#(Self.placement([(2, "S2"), (99, "S99")], location: 2))},"# + Self.cost + "}"
        let transport = ScriptedTransport([
            Self.answer(200, #"{"data":{\#(first.joined(separator: ","))},"# + Self.cost + "}"),
            Self.answer(200, whole),
            Self.answer(200, #"{"data":{"o0":\#(Self.placement([(16, "S16")], location: 3))},"# + Self.cost + "}"),
        ])
        let found = try api(transport).fulfillmentLines(orderIDs: ids)
        #expect(transport.requests.count == 3)
        #expect(Set(found.keys) == Set(ids).subtracting([ids[1]]))
        #expect(found[ids[2]]?.map(\.sku) == ["S2", "S99"], "the overflowing order read whole")
        #expect(found[ids[2]]?.map(\.location) == ["gid://shopify/Location/2", "gid://shopify/Location/2"])
        #expect(found[ids[16]]?.first?.location == "gid://shopify/Location/3")
        let batch = try #require(transport.requests.first.flatMap {
            try JSONSerialization.jsonObject(with: Data($0.body)) as? [String: Any]
        })
        #expect((batch["variables"] as? [String: String])?.count == 16)
        #expect((batch["variables"] as? [String: String])?["o15"] == ids[15])
    }
}
