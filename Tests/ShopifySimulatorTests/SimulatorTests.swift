import Foundation
import ShopifySimulator
import ShopifyWebhooks
import StockSyncDomain
import StockSyncShopify
import Testing

/// The simulator as the client meets it: authentication, errors, cost and throttling,
/// compare-and-set per API version, atomic refusals, idempotency keys and bulk queries.
@Suite("Shopify simulator")
struct SimulatorTests {
    static let shop = "sim.myshopify.com"
    static let token = "shpat_simulated"
    let simulator = ShopifySimulator()
    let items: [String]

    init() async throws {
        items = try await simulator.seed(shop: Self.shop, .init(
            token: Self.token, plan: "standard", bucketSize: 200,
            locations: [.init(id: 1, name: "East"), .init(id: 2, name: "West")],
            items: [.init(sku: "A", levels: ["1": 5, "2": 3]), .init(sku: "B", levels: ["1": 0]),
                    .init(sku: "C \"quoted\"", levels: ["2": 1])]))
    }

    // Parsed JSON, never mutated after it is built.
    struct Reply: @unchecked Sendable {
        let status: Int
        let json: [String: Any]
        var data: [String: Any]? { json["data"] as? [String: Any] }
        var errors: [[String: Any]] { json["errors"] as? [[String: Any]] ?? [] }
        var codes: [String] { errors.compactMap { ($0["extensions"] as? [String: Any])?["code"] as? String } }
        var cost: [String: Any]? { (json["extensions"] as? [String: Any])?["cost"] as? [String: Any] }
        func value(_ path: String...) -> Any? {
            path.reduce(data as Any?) { value, key in
                if let index = Int(key) { return (value as? [Any]).flatMap { $0.indices.contains(index) ? $0[index] : nil } }
                return (value as? [String: Any])?[key]
            }
        }
    }

    func call(_ query: String, _ variables: [String: Any] = [:], version: String = "2026-07",
              token: String? = SimulatorTests.token) async throws -> Reply {
        let body = try JSONSerialization.data(withJSONObject: ["query": query, "variables": variables])
        let answer = await simulator.graphQL(shop: Self.shop, version: version, accessToken: token, body: Array(body),
                                             baseURL: "http://127.0.0.1:1")
        let json = try JSONSerialization.jsonObject(with: Data(answer.body), options: [.fragmentsAllowed])
        return Reply(status: answer.status, json: json as? [String: Any] ?? ["errors": json])
    }

    func available(_ item: Int, at location: Int) async throws -> Int? {
        try await simulator.levels(shop: Self.shop).first {
            $0.inventoryItemId == items[item] && $0.locationId == "gid://shopify/Location/\(location)"
        }?.available
    }

    static let set = AdminDocuments.setAvailable(.default).document
    static let setBefore2026 = AdminDocuments.setAvailable(ShopifyAPIVersion("2025-10")!).document

    func quantity(_ item: String, _ location: Int, _ quantity: Int, _ compareField: String = "changeFromQuantity",
                  _ compare: Any? = nil) -> [String: Any] {
        var value: [String: Any] = ["inventoryItemId": item, "locationId": "gid://shopify/Location/\(location)",
                                    "quantity": quantity]
        if let compare { value[compareField] = compare }
        return value
    }

    func input(_ quantities: [[String: Any]]) -> [String: Any] {
        ["name": "available", "reason": "correction", "quantities": quantities]
    }

    @Test("a wrong token gets Shopify's 401; an unknown field is a GraphQL error")
    func authenticationAndValidation() async throws {
        let unauthorized = try await call("{ locations(first: 1) { nodes { id } } }", token: "wrong")
        #expect(unauthorized.status == 401)
        let unknown = try await call("{ locations(first: 1) { nodes { id colour } } }")
        #expect(unknown.status == 200 && (unknown.errors.first?["message"] as? String)?.contains("colour") == true)
        #expect(unknown.data == nil)
    }

    @Test("execution follows GraphQL's rules: fragments, directives, variables, field errors")
    func executionRules() async throws {
        let shaped = try await call("""
            query Shaped($first: Int!, $withName: Boolean!) {
              one: locations(first: $first) { nodes { __typename ...Named id @skip(if: true) } }
              two: locations(first: 2) { nodes { id @include(if: $withName) } }
            }
            fragment Named on Location { name @include(if: $withName) }
            """, ["first": 1, "withName": false])
        #expect(shaped.errors.isEmpty)
        #expect(shaped.value("one", "nodes", "0") as? [String: String] == ["__typename": "Location"])
        #expect((shaped.value("two", "nodes") as? [[String: Any]])?.map(\.count) == [0, 0])

        let empty = try await call("{ locations(first: 0) { pageInfo { startCursor hasNextPage } } }")
        #expect(empty.errors.isEmpty)
        #expect(empty.value("locations", "pageInfo", "startCursor") is NSNull)
        #expect(empty.value("locations", "pageInfo", "hasNextPage") as? Bool == true)

        let defaulted = try await call("query Defaulted($first: Int = 1) { locations(first: $first) { nodes { name } } }")
        #expect((defaulted.value("locations", "nodes") as? [[String: Any]])?.count == 1)

        let wrongType = try await call("query Q($first: Int!) { locations(first: $first) { nodes { id } } }", ["first": "two"])
        #expect(wrongType.data == nil && (wrongType.errors.first?["message"] as? String)?.contains("$first") == true)
        let missing = try await call("query Q($first: Int!) { locations(first: $first) { nodes { id } } }")
        #expect(missing.data == nil && (missing.errors.first?["message"] as? String)?.contains("was not provided") == true)

        // A resolver's error nulls its field, here the non-null connection, and so `data`.
        let refused = try await call("{ locations { nodes { id } } }")
        #expect(refused.json["data"] is NSNull)
        #expect(refused.errors.count == 1 && refused.errors.first?["path"] as? [String] == ["locations"])
        // A nullable field takes the null; its siblings are unharmed.
        let partial = try await call("""
            { inventoryItem(id: "\(items[0])") { inventoryLevels(first: 1) { nodes { quantities(names: ["bogus"]) { quantity } } } }
              locations(first: 1) { nodes { id } } }
            """)
        #expect(partial.value("inventoryItem") is NSNull)
        #expect(partial.value("locations", "nodes", "0", "id") as? String == "gid://shopify/Location/1")
        #expect(partial.errors.first?["path"] as? [AnyHashable]
            == ["inventoryItem", "inventoryLevels", "nodes", 0, "quantities"] as [AnyHashable])
    }

    @Test("items by SKU through the search syntax, with their levels")
    func itemsBySKU() async throws {
        let reply = try await call(AdminDocuments.inventoryItemsBySKU.document,
                                   ["first": 100, "query": #"sku:"A" OR sku:"C \"quoted\"""#])
        let nodes = try #require(reply.value("inventoryItems", "nodes") as? [[String: Any]])
        #expect(nodes.map { $0["sku"] as? String } == ["A", "C \"quoted\""])
        #expect(reply.cost?["requestedQueryCost"] as? Int == 102)
        #expect(reply.cost?["actualQueryCost"] as? Int == 4)
    }

    @Test("a push applies when Shopify holds the quantity it compares against")
    func compareAndSetApplies() async throws {
        let reply = try await call(Self.set, ["input": input([quantity(items[0], 1, 9, "changeFromQuantity", 5)]),
                                              "idempotencyKey": "k1"])
        #expect(reply.value("inventorySetQuantities", "userErrors") as? [Any] != nil)
        #expect((reply.value("inventorySetQuantities", "userErrors") as? [Any])?.isEmpty == true)
        #expect(try await available(0, at: 1) == 9)
        #expect(reply.cost?["requestedQueryCost"] as? Int == 10)
    }

    @Test("one stale quantity refuses the whole call, naming it, and changes nothing")
    func staleRefusesAtomically() async throws {
        let reply = try await call(Self.set, ["input": input([quantity(items[0], 1, 9, "changeFromQuantity", 5),
                                                              quantity(items[0], 2, 8, "changeFromQuantity", 2)]),
                                              "idempotencyKey": "k2"])
        let errors = try #require(reply.value("inventorySetQuantities", "userErrors") as? [[String: Any]])
        #expect(errors.map { $0["code"] as? String } == ["CHANGE_FROM_QUANTITY_STALE"])
        #expect(errors.first?["field"] as? [String] == ["input", "quantities", "1", "changeFromQuantity"])
        #expect(try await simulator.levels(shop: Self.shop).first { $0.inventoryItemId == items[0] && $0.locationId.hasSuffix("/1") }?.available == 5)
        #expect(try await available(0, at: 2) == 3)
    }

    @Test("an unknown item and a level the item is not stocked at are refused")
    func unknownItemsAndLevels() async throws {
        let reply = try await call(Self.set, ["input": input([quantity("gid://shopify/InventoryItem/999", 1, 1, "changeFromQuantity", 0),
                                                              quantity(items[1], 2, 1, "changeFromQuantity", 0)]),
                                              "idempotencyKey": "k3"])
        let errors = try #require(reply.value("inventorySetQuantities", "userErrors") as? [[String: Any]])
        #expect(errors.map { $0["code"] as? String } == ["INVALID_INVENTORY_ITEM", "ITEM_NOT_STOCKED_AT_LOCATION"])
    }

    @Test("the same idempotency key answers the first result without applying again; other input is a mismatch")
    func idempotencyKeys() async throws {
        let variables: [String: Any] = ["input": input([quantity(items[0], 1, 9, "changeFromQuantity", 5)]),
                                        "idempotencyKey": "same"]
        let first = try await call(Self.set, variables)
        let again = try await call(Self.set, variables)
        #expect((again.value("inventorySetQuantities", "userErrors") as? [Any])?.isEmpty == true,
                "a replay of an applied push must not turn stale")
        #expect(again.value("inventorySetQuantities", "inventoryAdjustmentGroup", "id") as? String
                == first.value("inventorySetQuantities", "inventoryAdjustmentGroup", "id") as? String)
        #expect(try await simulator.history(shop: Self.shop).count == 1)
        let other = try await call(Self.set, ["input": input([quantity(items[0], 1, 7, "changeFromQuantity", 9)]),
                                              "idempotencyKey": "same"])
        #expect((other.value("inventorySetQuantities", "userErrors", "0", "code") as? String) == "IDEMPOTENCY_KEY_PARAMETER_MISMATCH")
        #expect(try await available(0, at: 1) == 9)
    }

    @Test("from 2026-04 changeFromQuantity and @idempotent are required; explicit null skips the check")
    func version2026Rules() async throws {
        let missing = try await call(Self.set, ["input": input([quantity(items[0], 1, 9)]), "idempotencyKey": "k4"])
        #expect(missing.codes == ["INVALID_FIELD_ARGUMENTS"])
        let noDirective = try await call(Self.setBefore2026, ["input": input([quantity(items[0], 1, 9, "changeFromQuantity", 5)])])
        #expect(noDirective.codes == ["BAD_REQUEST"])
        let unchecked = try await call(Self.set, ["input": input([quantity(items[0], 1, 4, "changeFromQuantity", NSNull())]),
                                                  "idempotencyKey": "k5"])
        #expect((unchecked.value("inventorySetQuantities", "userErrors") as? [Any])?.isEmpty == true)
        #expect(try await available(0, at: 1) == 4)
        let removed = try await call(Self.set, ["input": input([quantity(items[0], 1, 9, "compareQuantity", 4)]),
                                                "idempotencyKey": "k6"])
        #expect(!removed.errors.isEmpty, "compareQuantity no longer exists in 2026-04")
    }

    @Test("before 2026-01 compareQuantity is the check, and required unless ignored")
    func compareQuantityBefore2026() async throws {
        let stale = try await call(Self.setBefore2026, ["input": input([quantity(items[0], 1, 9, "compareQuantity", 4)])],
                                   version: "2025-10")
        #expect(stale.value("inventorySetQuantities", "userErrors", "0", "code") as? String == "COMPARE_QUANTITY_STALE")
        let missing = try await call(Self.setBefore2026, ["input": input([quantity(items[0], 1, 9)])], version: "2025-10")
        #expect(missing.value("inventorySetQuantities", "userErrors", "0", "code") as? String == "COMPARE_QUANTITY_REQUIRED")
        let applied = try await call(Self.setBefore2026, ["input": input([quantity(items[0], 1, 9, "compareQuantity", 5)])],
                                     version: "2025-10")
        #expect((applied.value("inventorySetQuantities", "userErrors") as? [Any])?.isEmpty == true)
        #expect(try await available(0, at: 1) == 9)
    }

    @Test("a request the bucket cannot pay for is THROTTLED and not applied; it refills at the plan's rate")
    func throttling() async throws {
        // Bucket of 200 points: thirty 10-point mutations sent at once cannot all be paid for.
        let replies = try await withThrowingTaskGroup(of: Reply.self) { group in
            for index in 0..<30 {
                group.addTask {
                    try await call(Self.set, ["input": input([quantity(items[0], 1, 100 + index, "changeFromQuantity", NSNull())]),
                                              "idempotencyKey": "t\(index)"])
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let throttled = replies.first { $0.codes == ["THROTTLED"] }
        let reply = try #require(throttled)
        #expect(reply.cost?["actualQueryCost"] is NSNull)
        let status = try #require(reply.cost?["throttleStatus"] as? [String: Any])
        #expect(status["restoreRate"] as? Double == 100 && status["maximumAvailable"] as? Double == 200)
        #expect((status["currentlyAvailable"] as? Double ?? 99) < 10)
        try await Task.sleep(for: .milliseconds(150))
        let later = try await call(Self.set, ["input": input([quantity(items[0], 1, 1, "changeFromQuantity", NSNull())]),
                                              "idempotencyKey": "after"])
        #expect(later.codes.isEmpty)
        #expect(try await simulator.stats(shop: Self.shop).throttled == replies.filter { $0.codes == ["THROTTLED"] }.count)
        #expect(try await simulator.history(shop: Self.shop).count == replies.filter(\.codes.isEmpty).count + 1,
                "a throttled request changes nothing")
    }

    @Test("a query dearer than 1,000 points is refused with MAX_COST_EXCEEDED")
    func maximumCost() async throws {
        let reply = try await call("{ inventoryItems(first: 250) { nodes { id inventoryLevels(first: 10) { nodes { id } } } } }")
        #expect(reply.codes == ["MAX_COST_EXCEEDED"])
    }

    @Test("a bulk query completes with JSON lines, nested nodes pointing at their parent")
    func bulkQuery() async throws {
        let run = try await call(AdminDocuments.runBulkQuery.document, ["query": AdminDocuments.catalogueBulkQuery])
        let id = try #require(run.value("bulkOperationRunQuery", "bulkOperation", "id") as? String)
        var url: String?
        for _ in 0..<100 {
            let current = try await call(AdminDocuments.currentBulkOperation.document)
            #expect(current.value("currentBulkOperation", "id") as? String == id)
            if current.value("currentBulkOperation", "status") as? String == "COMPLETED" {
                url = current.value("currentBulkOperation", "url") as? String
                break
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        let file = try #require(url?.split(separator: "/").last)
        let jsonl = try #require(try await simulator.bulkResult(shop: Self.shop, id: Int(file.dropLast(6))!))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sim-bulk-\(UUID()).jsonl").path
        FileManager.default.createFile(atPath: path, contents: Data(jsonl))
        defer { try? FileManager.default.removeItem(atPath: path) }
        var lines: [BulkInventoryLine] = []
        try BulkInventoryLine.read(path) { lines.append($0) }
        #expect(lines.compactMap { if case .item(_, let sku) = $0 { sku } else { nil } } == ["A", "B", "C \"quoted\""])
        #expect(lines.filter { if case .level = $0 { true } else { false } }.count == 4)
        #expect(lines[1] == .level(inventoryItemID: items[0], location: "gid://shopify/Location/1", available: 5))
    }

    @Test("an order's fulfillment order names the location whose stock it took, at the cost the client expects")
    func orderFulfillment() async throws {
        // The query asks for 528 points: more than this suite's small bucket, so the store gets a Standard one.
        let items = try await simulator.seed(shop: Self.shop, .init(
            token: Self.token, plan: "standard", locations: [.init(id: 1, name: "East"), .init(id: 2, name: "West")],
            items: [.init(sku: "A", levels: ["1": 5, "2": 3]), .init(sku: "C \"quoted\"", levels: ["2": 1])]))
        let placed = try await simulator.placeOrder(shop: Self.shop, .init(lines: [.init(sku: "A", quantity: 2), .init(sku: "C \"quoted\"", quantity: 1)]))
        let id = try #require(placed["admin_graphql_api_id"] as? String)
        let reply = try await call(AdminDocuments.orderFulfillment.document, ["id": id])
        #expect(reply.errors.isEmpty, "\(reply.errors)")
        #expect(reply.cost?["requestedQueryCost"] as? Int == Int(AdminDocuments.orderFulfillment.requestedCost))
        #expect(reply.value("order", "fulfillmentOrders", "nodes", "0", "assignedLocation", "location", "id") as? String
                == "gid://shopify/Location/2", "the only location stocking both SKUs")
        let lines = try #require(reply.value("order", "fulfillmentOrders", "nodes", "0", "lineItems", "nodes") as? [[String: Any]])
        #expect(lines.map { $0["totalQuantity"] as? Int } == [2, 1])
        #expect(try await simulator.levels(shop: Self.shop).first { $0.inventoryItemId == items[0] && $0.locationId.hasSuffix("/2") }?.available == 1)
        // More than any location holds, with no overselling allowed: refused, nothing taken.
        await #expect(throws: ShopifySimulator.OrderRefused.self) {
            try await simulator.placeOrder(shop: Self.shop, .init(lines: [.init(sku: "A", quantity: 6)]))
        }
        #expect(try await simulator.levels(shop: Self.shop).first { $0.inventoryItemId == items[0] && $0.locationId.hasSuffix("/1") }?.available == 5)
    }

    @Test("many orders' fulfillment orders in one query: its cost as the client expects, an unknown order null, a long order paged")
    func ordersFulfillment() async throws {
        let skus = (0..<11).map { "L\($0)" }
        try await simulator.seed(shop: Self.shop, .init(
            token: Self.token, plan: "plus", locations: [.init(id: 1, name: "East")],
            items: skus.map { .init(sku: $0, levels: ["1": 5]) }))
        let short = try await simulator.placeOrder(shop: Self.shop, .init(lines: [.init(sku: "L0", quantity: 2)]))
        let long = try await simulator.placeOrder(shop: Self.shop, .init(lines: skus.map { .init(sku: $0, quantity: 1) }))
        let operation = AdminDocuments.ordersFulfillment(count: 3)
        let reply = try await call(operation.document, [
            "o0": try #require(short["admin_graphql_api_id"] as? String), "o1": "gid://shopify/Order/1",
            "o2": try #require(long["admin_graphql_api_id"] as? String),
        ])
        #expect(reply.errors.isEmpty, "\(reply.errors)")
        #expect(reply.cost?["requestedQueryCost"] as? Int == Int(operation.requestedCost))
        #expect(Int(AdminDocuments.ordersFulfillment(count: AdminDocuments.ordersPerFulfillmentQuery).requestedCost)
                <= ShopifySimulator.maximumQueryCost)
        #expect(reply.value("o0", "fulfillmentOrders", "nodes", "0", "lineItems", "nodes", "0", "totalQuantity") as? Int == 2)
        #expect(reply.value("o0", "fulfillmentOrders", "nodes", "0", "lineItems", "pageInfo", "hasNextPage") as? Bool == false)
        #expect(reply.value("o1") is NSNull)
        #expect(reply.value("o2", "fulfillmentOrders", "nodes", "0", "lineItems", "nodes") as? [Any] != nil)
        #expect((reply.value("o2", "fulfillmentOrders", "nodes", "0", "lineItems", "nodes") as? [Any])?.count == 10)
        #expect(reply.value("o2", "fulfillmentOrders", "nodes", "0", "lineItems", "pageInfo", "hasNextPage") as? Bool == true)
    }

    @Test("a storefront sale lowers available, which a push comparing against the old quantity finds stale")
    func saleMakesPushStale() async throws {
        #expect(try await simulator.sell(shop: Self.shop, .init(sku: "A", locationId: "gid://shopify/Location/1", quantity: 2)) == 3)
        let reply = try await call(Self.set, ["input": input([quantity(items[0], 1, 9, "changeFromQuantity", 5)]),
                                              "idempotencyKey": "after-sale"])
        #expect(reply.value("inventorySetQuantities", "userErrors", "0", "code") as? String == "CHANGE_FROM_QUANTITY_STALE")
        #expect(try await available(0, at: 1) == 3)
    }
}

/// The real client against the simulator in this process: reads that page and split.
extension SimulatorTests {
    @Test("an order of 80 lines in 6 fulfillment orders, one of 55 lines, is read whole: every line placed, each query under 1,000 points")
    func orderFulfillmentPages() async throws {
        let skus = (0..<80).map { "P\($0)" }
        try await simulator.seed(shop: Self.shop, .init(
            token: Self.token, plan: "plus", locations: [.init(id: 1, name: "East"), .init(id: 2, name: "West")],
            items: skus.map { .init(sku: $0, levels: ["2": 10]) }))
        let placed = try await simulator.placeOrder(shop: Self.shop, .init(
            lines: skus.enumerated().map { .init(sku: $0.element, quantity: 1 + $0.offset % 3) },
            fulfillmentOrderSizes: [55, 5, 5, 5, 5, 5]))
        let id = try #require(placed["admin_graphql_api_id"] as? String)

        let alone = try await simulator.withAPI(shop: Self.shop, token: Self.token) { try $0.fulfillmentLines(orderID: id) }
        #expect(alone?.map(\.sku) == skus, "every line, in order, once")
        #expect(alone?.map(\.quantity) == skus.indices.map { 1 + $0 % 3 })
        #expect(alone?.allSatisfy { $0.location == "gid://shopify/Location/2" } == true)
        let batched = try await simulator.withAPI(shop: Self.shop, token: Self.token) { try $0.fulfillmentLines(orderIDs: [id]) }
        #expect(batched == [id: alone ?? []], "the batched look-up, which finds more pages, asks the order alone")

        // Each page as Shopify pages a connection, at the cost the client expects, under the maximum.
        let first = try await call(AdminDocuments.orderFulfillment.document, ["id": id])
        #expect(first.errors.isEmpty, "\(first.errors)")
        #expect(first.cost?["requestedQueryCost"] as? Int == Int(AdminDocuments.orderFulfillment.requestedCost))
        #expect((first.value("order", "fulfillmentOrders", "nodes") as? [Any])?.count == 5)
        #expect(first.value("order", "fulfillmentOrders", "pageInfo", "hasNextPage") as? Bool == true)
        #expect(first.value("order", "fulfillmentOrders", "nodes", "0", "lineItems", "pageInfo", "hasNextPage") as? Bool == true)
        let cursor = try #require(first.value("order", "fulfillmentOrders", "pageInfo", "endCursor") as? String)
        let second = try await call(AdminDocuments.orderFulfillment.document, ["id": id, "after": cursor])
        #expect((second.value("order", "fulfillmentOrders", "nodes") as? [Any])?.count == 1)
        #expect(second.value("order", "fulfillmentOrders", "pageInfo", "hasNextPage") as? Bool == false)
        let fulfillmentOrder = try #require(first.value("order", "fulfillmentOrders", "nodes", "0", "id") as? String)
        let lineCursor = try #require(first.value("order", "fulfillmentOrders", "nodes", "0", "lineItems", "pageInfo", "endCursor") as? String)
        let rest = try await call(AdminDocuments.fulfillmentOrderLines.document, ["id": fulfillmentOrder, "after": lineCursor])
        #expect(rest.errors.isEmpty, "\(rest.errors)")
        #expect(rest.cost?["requestedQueryCost"] as? Int == Int(AdminDocuments.fulfillmentOrderLines.requestedCost))
        #expect((rest.value("fulfillmentOrder", "lineItems", "nodes") as? [Any])?.count == 5)
        #expect(rest.value("fulfillmentOrder", "lineItems", "pageInfo", "hasNextPage") as? Bool == false)
        for operation in [AdminDocuments.orderFulfillment, AdminDocuments.fulfillmentOrderLines] {
            #expect(Int(operation.requestedCost) <= ShopifySimulator.maximumQueryCost, "\(operation.name)")
        }
    }

    @Test("orders updated since a time are listed oldest change first, 50 a page; a state read is the webhook's, its lines paged, its refunds with it")
    func ordersReadBack() async throws {
        let skus = (0..<120).map { "L\($0)" }
        try await simulator.seed(shop: Self.shop, .init(
            token: Self.token, plan: "plus", locations: [.init(id: 1, name: "East")],
            items: skus.map { .init(sku: $0, levels: ["1": 100]) }))
        let started = Date()
        let big = try await simulator.placeOrder(shop: Self.shop, .init(lines: skus.map { .init(sku: $0, quantity: 2) }))
        var small: [Int] = []
        for index in 0..<60 {
            let placed = try await simulator.placeOrder(shop: Self.shop, .init(lines: [.init(sku: skus[index], quantity: 3)]))
            small.append(try #require(placed["id"] as? Int))
        }
        try await simulator.change(.refund, shop: Self.shop, id: small[0], [.init(sku: "L0", quantity: 1)], restock: true)
        let bigID = try #require(big["id"] as? Int)

        let first = try await simulator.withAPI(shop: Self.shop, token: Self.token) { try $0.ordersUpdated(since: started, after: nil) }
        #expect(first.orders.count == 50 && first.nextPage != nil)
        let cursor = try #require(first.nextPage)
        let second = try await simulator.withAPI(shop: Self.shop, token: Self.token) { try $0.ordersUpdated(since: started, after: cursor) }
        #expect(second.nextPage == nil)
        let listed = first.orders + second.orders
        #expect(listed.count == 61 && Set(listed.map(\.orderID)).count == 61, "each order once")
        #expect(listed.map(\.updatedAt) == listed.map(\.updatedAt).sorted(), "oldest change first")
        #expect(listed.first { $0.orderID == String(bigID) }?.currentQuantities == nil, "120 lines, 10 listed")
        #expect(listed.first { $0.orderID == String(small[0]) }?.currentQuantities?.values.sorted() == [2], "refunded 1 of 3")
        let later = try await simulator.withAPI(shop: Self.shop, token: Self.token) {
            try $0.ordersUpdated(since: Date(timeIntervalSinceNow: 5), after: nil)
        }
        #expect(later.orders.isEmpty)

        // The state read is the one the order's webhook carries, whatever its number of lines.
        let read = try await simulator.withAPI(shop: Self.shop, token: Self.token) { try $0.orderState(orderID: String(bigID)) }
        let headers = ["x-shopify-event-id": "e", "x-shopify-shop-domain": Self.shop, "x-shopify-topic": "orders/create"]
        guard case .order(let delivered) = try OrderMessage.decode(
            headers: headers, body: Array(try JSONSerialization.data(withJSONObject: big))).content
        else { Issue.record("not an order"); return }
        #expect(read == delivered)
        #expect(read?.lines.count == 120)
        let refundedID = String(small[0])
        let refunded = try #require(try await simulator.withAPI(shop: Self.shop, token: Self.token) {
            try $0.orderState(orderID: refundedID)
        })
        #expect(refunded.lines.map(\.currentQuantity) == [2])
        #expect(refunded.refunds.map(\.lines) == [[Refund.Line(lineID: refunded.lines[0].id, sku: "L0", quantity: 1,
                                                              restockType: "return", location: "gid://shopify/Location/1")]])
        let unknown = try await simulator.withAPI(shop: Self.shop, token: Self.token) { try $0.orderState(orderID: "1") }
        #expect(unknown == nil)

        for (operation, variables) in [(AdminDocuments.ordersUpdatedSince, ["query": "updated_at:>='2026-01-01T00:00:00Z'"]),
                                       (AdminDocuments.orderState, ["id": "gid://shopify/Order/\(bigID)"])] {
            let reply = try await call(operation.document, variables)
            #expect(reply.errors.isEmpty, "\(reply.errors)")
            #expect(reply.cost?["requestedQueryCost"] as? Int == Int(operation.requestedCost), "\(operation.name)")
            #expect(Int(operation.requestedCost) <= ShopifySimulator.maximumQueryCost, "\(operation.name)")
        }
    }

    @Test("a call that costs more than the shop's whole bucket is refused, not waited for forever")
    func callBeyondTheWholeBucket() async throws {
        // The locations query asks 252 points; this shop's bucket holds 200.
        let error = await #expect(throws: ShopifyError.self) {
            try await simulator.withAPI(shop: Self.shop, token: Self.token) { try $0.locations() }
        }
        #expect(error?.isRetriable == false)
        #expect("\(error.map { "\($0)" } ?? "")".contains("more than the shop's whole bucket of 200"))
    }

    @Test("each answer names the version it was served with; a version no longer supported is served by the oldest that is")
    func servedVersion() async throws {
        let query = "{ locations(first: 1) { nodes { id } } }"
        #expect(await simulator.graphQL(shop: Self.shop, version: "2025-10", accessToken: Self.token, body: Array(
            try JSONSerialization.data(withJSONObject: ["query": query])), baseURL: "http://127.0.0.1:1").apiVersion == "2025-10")
        var faults = ShopifySimulator.Faults()
        faults.oldestSupportedVersion = "2026-01"
        await simulator.setFaults(faults)
        for (asked, served) in [("2025-10", "2026-01"), ("2026-01", "2026-01"), ("2026-07", "2026-07")] {
            let answer = await simulator.graphQL(shop: Self.shop, version: asked, accessToken: Self.token, body: Array(
                try JSONSerialization.data(withJSONObject: ["query": query])), baseURL: "http://127.0.0.1:1")
            #expect(answer.status == 200 && answer.apiVersion == served, "\(asked)")
        }
        let client = try await simulator.withAPI(shop: Self.shop, token: Self.token) { api in
            _ = try api.currentBulkOperation()
            return api.client.servedVersion
        }
        #expect(client == .default, "the client reads the version served")
    }

    @Test("OAuth: the authorize page signs its redirect; a code is exchanged once, for an expiring token; a refresh rotates both tokens, the used refresh token stays good until its replacement is used")
    func oauthGrants() async throws {
        var app = ShopifySimulator.App()
        app.accessTokenSeconds = 0.5
        await simulator.setApp(app)
        func call(_ token: String) async throws -> Int {
            await simulator.graphQL(shop: Self.shop, version: "2026-01", accessToken: token, body: Array(
                try JSONSerialization.data(withJSONObject: ["query": "{ locations(first: 1) { nodes { id } } }"])), baseURL: "http://127.0.0.1:1").status
        }
        guard case .redirect(let location) = await simulator.authorize(shop: Self.shop, query: [
            ("client_id", app.clientId), ("scope", "read_orders,write_inventory"),
            ("redirect_uri", "https://gateway.example/auth/callback"), ("state", "n0nce"),
        ]) else { Issue.record("no redirect"); return }
        #expect(location.hasPrefix("https://gateway.example/auth/callback?"))
        let query = FormEncoding.decode(String(location.split(separator: "?")[1]))
        #expect(QuerySignature.isSigned(query, secrets: [app.clientSecret]))
        #expect(query.first { $0.0 == "state" }?.1 == "n0nce" && query.first { $0.0 == "shop" }?.1 == Self.shop)
        let code = try #require(query.first { $0.0 == "code" }?.1)
        if case .redirect = await simulator.authorize(shop: Self.shop, query: [("client_id", "another app"), ("redirect_uri", "https://x")]) {
            Issue.record("an unknown client was sent on")
        }

        let credentials: [(String, String)] = [("client_id", app.clientId), ("client_secret", app.clientSecret)]
        #expect(await simulator.grantToken(shop: Self.shop, form: [("client_id", app.clientId), ("client_secret", "wrong"), ("code", code)]).status == 401)
        let granted = await simulator.grantToken(shop: Self.shop, form: credentials + [("code", code), ("expiring", "1")])
        #expect(granted.status == 200 && granted.body["scope"] as? String == "read_orders,write_inventory")
        #expect(await simulator.grantToken(shop: Self.shop, form: credentials + [("code", code), ("expiring", "1")]).status == 400,
                "a code is good once")
        let first = try #require(granted.body["access_token"] as? String)
        let firstRefresh = try #require(granted.body["refresh_token"] as? String)
        #expect(granted.body["expires_in"] as? Int == 0)
        #expect(try await call(Self.token) == 401, "the new grant replaces the token before it")
        #expect(try await call(first) == 200)
        try await Task.sleep(for: .milliseconds(600))
        #expect(try await call(first) == 401, "expired")

        func refresh(_ token: String) async -> [String: any Sendable]? {
            let answer = await simulator.grantToken(shop: Self.shop, form: credentials + [("grant_type", "refresh_token"), ("refresh_token", token)])
            return answer.status == 200 ? answer.body : nil
        }
        let second = try #require(await refresh(firstRefresh))
        let secondToken = try #require(second["access_token"] as? String), secondRefresh = try #require(second["refresh_token"] as? String)
        #expect(try await call(secondToken) == 200)
        // The answer was lost: the refresh token used is asked again, and still works.
        let retried = try #require(await refresh(firstRefresh))
        let retriedRefresh = try #require(retried["refresh_token"] as? String)
        let third = try #require(await refresh(retriedRefresh))
        #expect(await refresh(firstRefresh) == nil, "retired once its replacement was used")
        #expect(await refresh(secondRefresh) == nil, "replaced by the retry's")
        let thirdToken = try #require(third["access_token"] as? String), thirdRefresh = try #require(third["refresh_token"] as? String)
        #expect(try await call(thirdToken) == 200)
        let stats = try await simulator.stats(shop: Self.shop)
        #expect(stats.tokenGrants == 1 && stats.tokenRefreshes == 3 && stats.refreshesOfUsedTokens == 1 && stats.expiredTokenRefusals == 1)
        try await simulator.uninstallApp(shop: Self.shop)
        #expect(await refresh(thirdRefresh) == nil, "uninstalling revokes the grant")
    }

    @Test("webhook subscriptions through the Admin API: created once per topic and address, listed by the client; an address that is not https is refused; a delivery given up removes its subscription")
    func webhookSubscriptions() async throws {
        try await simulator.withAPI(shop: Self.shop, token: Self.token) { api in
            try api.subscribe("orders/create", callbackURL: "https://gateway.example/webhooks/shopify")
            try api.subscribe("refunds/create", callbackURL: "https://gateway.example/webhooks/shopify")
            #expect(throws: ShopifyError.self) { try api.subscribe("orders/create", callbackURL: "https://gateway.example/webhooks/shopify") }
            #expect(throws: ShopifyError.self) { try api.subscribe("orders/updated", callbackURL: "http://gateway.example/webhooks/shopify") }
            #expect(try api.webhookSubscriptions() == [
                .init(topic: "orders/create", callbackURL: "https://gateway.example/webhooks/shopify"),
                .init(topic: "refunds/create", callbackURL: "https://gateway.example/webhooks/shopify"),
            ])
        }
        // Neither gateway.example nor port 1 answers: each delivery's one attempt fails, and
        // Shopify removes the subscriptions it went to; refunds/create had none.
        var app = ShopifySimulator.App()
        app.deliveryAttempts = 1
        await simulator.setApp(app)
        try await simulator.withAPI(shop: Self.shop, token: Self.token) { api in
            try api.subscribe("orders/create", callbackURL: "http://127.0.0.1:1/webhooks/shopify")
        }
        _ = try await simulator.placeOrder(shop: Self.shop, .init(lines: [.init(sku: "A", quantity: 1)]))
        var left: [InventoryAPI.WebhookSubscription] = []
        for _ in 0..<50 {
            left = try await simulator.withAPI(shop: Self.shop, token: Self.token) { try $0.webhookSubscriptions() }
            if left.count == 1 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(left.map(\.topic) == ["refunds/create"], "only those whose delivery was given up: \(left)")
    }

    @Test("inventoryActivate stocks an item at a location with 0; asked again it changes nothing; an unknown location is a user error")
    func inventoryActivate() async throws {
        let item = items[1]
        try await simulator.edit(shop: Self.shop, .init(sku: "B", locationId: "gid://shopify/Location/1", available: 4))
        let first = try await simulator.withAPI(shop: Self.shop, token: Self.token) { api in
            try api.activate(inventoryItemID: item, location: "gid://shopify/Location/2")
        }
        #expect(first == 0)
        let levels = try await simulator.levels(shop: Self.shop).filter { $0.sku == "B" }
        #expect(Set(levels.map { "\($0.locationId)=\($0.available)" }) == ["gid://shopify/Location/1=4", "gid://shopify/Location/2=0"])
        try await simulator.edit(shop: Self.shop, .init(sku: "B", locationId: "gid://shopify/Location/2", available: 3))
        let again = try await simulator.withAPI(shop: Self.shop, token: Self.token) { api in
            try api.activate(inventoryItemID: item, location: "gid://shopify/Location/2")
        }
        #expect(again == 3, "an item stocked already is left as it is")
        await #expect(throws: ShopifyError.self) {
            try await simulator.withAPI(shop: Self.shop, token: Self.token) { api in
                try api.activate(inventoryItemID: item, location: "gid://shopify/Location/99")
            }
        }
    }

    @Test("a SKU-list read Shopify refuses for cost is read again in halves: every SKU's levels, once")
    func skuListLevelsSplitOnCostRefusal() async throws {
        let skus = (0..<30).map { "R\($0)" }
        try await simulator.seed(shop: Self.shop, .init(
            token: Self.token, plan: "plus", locations: [.init(id: 1, name: "East"), .init(id: 2, name: "West")],
            items: skus.enumerated().map { .init(sku: $0.element, levels: ["1": $0.offset, "2": 100 + $0.offset]) }))
        let operation = AdminDocuments.inventoryItemLevelsBySKU(first: AdminDocuments.itemsPerLevelsPage)
        let variables: [String: Any] = ["first": AdminDocuments.itemsPerLevelsPage, "query": #"sku:"R0""#]
        let priced = try await call(operation.document, variables)
        #expect(priced.errors.isEmpty, "\(priced.errors)")
        #expect(priced.cost?["requestedQueryCost"] as? Int == Int(operation.requestedCost), "the client prices it as Shopify's rules do")

        // Shopify's own cost on a field makes the query dearer than the client's estimate.
        var faults = ShopifySimulator.Faults()
        faults.fieldCosts = ["InventoryLevel.quantities": 2]
        await simulator.setFaults(faults)
        let refused = try await call(operation.document, variables)
        #expect(refused.codes == ["MAX_COST_EXCEEDED"])
        #expect(refused.errors.first?["message"] as? String
                == "Query cost is 1077, which exceeds the single query max cost limit (1000).")

        let lines = try await simulator.withAPI(shop: Self.shop, token: Self.token) { api in
            var lines: [BulkInventoryLine] = []
            try api.inventoryLevels(skus: skus) { lines.append($0) }
            return lines
        }
        var skuOfItem: [String: String] = [:]
        var levels: [String] = []
        for line in lines {
            switch line {
            case .item(let id, let sku): skuOfItem[id] = sku
            case .level(let item, let location, let available):
                levels.append("\(skuOfItem[item] ?? "?")@\(location.split(separator: "/").last!)=\(available)")
            }
        }
        #expect(Set(skuOfItem.values) == Set(skus) && skuOfItem.count == skus.count)
        #expect(levels.count == 60 && Set(levels) == Set(skus.indices.flatMap { ["R\($0)@1=\($0)", "R\($0)@2=\(100 + $0)"] }))
    }
}
