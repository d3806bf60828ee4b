import Logging
import StockSyncDomain
import StockSyncRuntime

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The inventory operations stocksync performs, typed, over one shop's client.
package struct InventoryAPI {
    package let client: AdminGraphQLClient

    /// Where bulk results are downloaded to (`BulkResultFile`).
    package var bulkDirectory = BulkResultFile.defaultDirectory

    package init(client: AdminGraphQLClient) {
        self.client = client
    }

    /// Over libcurl, with TLS verified for every shop not on loopback; an address that would
    /// send the token in clear (`ShopConnection.adminURLProblem`) is refused before any request.
    package init(connection: ShopConnection, plainHTTPHosts: Set<String>, logger: Logger,
                 downloadStall: Duration = .seconds(30)) throws(TransportError) {
        if let problem = ShopConnection.adminURLProblem(connection.adminBaseURL, plainHTTPHosts: plainHTTPHosts) {
            throw TransportError(.other, "shop \(connection.shop): the Admin API address \(problem)")
        }
        let transport = try CurlTransport(downloadStall: downloadStall, verifyTLS: !connection.isLoopback,
                                          keptHeaders: [AdminGraphQLClient.servedVersionHeader])
        self.init(client: AdminGraphQLClient(connection: connection, transport: transport, logger: logger))
    }

    private var version: ShopifyAPIVersion { client.connection.apiVersion }

    // MARK: Writes

    /// Shopify's verdict on one `inventorySetQuantities` call. The mutation is atomic: a
    /// refused call applied nothing, and its refusals say which quantities were at fault.
    package enum SetOutcome: Sendable, Equatable {
        case applied
        case refused([Refusal])
        /// The same idempotency key is still being processed: send the same request again later.
        case inProgress
    }

    package struct Refusal: Sendable, Equatable {
        /// Index into the quantities sent, when Shopify named one.
        package var index: Int?
        package var code: String?
        package var message: String

        package init(index: Int?, code: String?, message: String) {
            self.index = index
            self.code = code
            self.message = message
        }

        package var kind: LevelRefusal { LevelRefusal(code: code) }
    }

    package func setAvailable(_ quantities: [PushQuantity], idempotencyKey: String) throws(ShopifyError) -> SetOutcome {
        let variables = SetAvailableVariables(
            input: .init(quantities: quantities, compareField: version.compareField,
                         referenceDocumentUri: "gid://stocksync/Push/\(idempotencyKey)"),
            idempotencyKey: version.supportsIdempotencyKeys ? idempotencyKey : nil)
        let payload = try client.execute(AdminDocuments.setAvailable(version), variables: variables,
                                         returning: SetAvailablePayload.self)
        let errors = payload.inventorySetQuantities?.userErrors ?? []
        if errors.isEmpty { return .applied }
        if errors.contains(where: { $0.code == "IDEMPOTENCY_CONCURRENT_REQUEST" }) { return .inProgress }
        return .refused(errors.map { error in
            // field is ["input", "quantities", "<index>", "<field>"] for a quantity's fault.
            let path = error.field ?? []
            let index = path.count >= 3 && path[1] == "quantities" ? Int(path[2]) : nil
            return Refusal(index: index, code: error.code, message: error.message)
        })
    }

    // MARK: Reads

    /// Inventory item ids by SKU; SKUs Shopify does not know are absent. A SKU held by
    /// several variants resolves to the first item Shopify lists.
    package func inventoryItems(skus: [String]) throws(ShopifyError) -> [String: String] {
        var found: [String: String] = [:]
        var start = 0
        while start < skus.count {
            let chunk = skus[start..<min(start + AdminDocuments.skusPerLookup, skus.count)]
            start += chunk.count
            let query = chunk.map { "sku:\(Self.quoted($0))" }.joined(separator: " OR ")
            let payload = try client.execute(
                AdminDocuments.inventoryItemsBySKU,
                variables: ItemsBySKUVariables(first: AdminDocuments.itemsPerLookupPage, query: query),
                returning: ItemsBySKUPayload.self)
            let wanted = Set(chunk)
            for node in payload.inventoryItems.nodes {
                if let sku = StockChangedContract.erpSKU(node.sku), wanted.contains(sku), found[sku] == nil { found[sku] = node.id }
            }
        }
        return found
    }

    /// Items with these SKUs and their `available` per location, page by page, in the same
    /// lines a bulk operation gives (for reconciling a SKU list without one). A part of the
    /// list is read whole before its lines are handed on, so a part refused for cost and
    /// asked again in halves hands nothing on twice.
    package func inventoryLevels(skus: [String], _ body: (BulkInventoryLine) throws -> Void) throws {
        var start = 0
        while start < skus.count {
            let chunk = skus[start..<min(start + AdminDocuments.itemsPerLevelsPage, skus.count)]
            start += chunk.count
            var lines: [BulkInventoryLine] = []
            try Self.halvingOnCostRefusal(chunk) { part throws(ShopifyError) in try inventoryLevels(of: part, into: &lines) }
            for line in lines { try body(line) }
        }
    }

    /// Every page for these SKUs, with a page as large as the list: a SKU held by several
    /// variants spills onto the next page.
    private func inventoryLevels(of skus: ArraySlice<String>, into lines: inout [BulkInventoryLine]) throws(ShopifyError) {
        let query = skus.map { "sku:\(Self.quoted($0))" }.joined(separator: " OR ")
        var cursor: String?
        repeat {
            let page = try client.execute(
                AdminDocuments.inventoryItemLevelsBySKU(first: skus.count),
                variables: LevelsPageVariables(first: skus.count, query: query, after: cursor),
                returning: ItemLevelsPayload.self).inventoryItems
            for item in page.nodes {
                lines.append(.item(id: item.id, sku: StockChangedContract.erpSKU(item.sku)))
                for level in item.inventoryLevels.nodes {
                    guard let available = level.quantities.available else { continue }
                    lines.append(.level(inventoryItemID: item.id, location: level.location.id, available: available))
                }
            }
            cursor = try page.nextCursor(of: "inventory items")
        } while cursor != nil
    }

    /// Runs `read` on `elements`. Refused as costing more than one query may (Shopify prices
    /// fields as it chooses, and what a query returns, so an estimate can fall short:
    /// https://shopify.dev/docs/apps/build/apis/graphql-admin/rate-limits), it runs on each
    /// half instead, and so on down to one element, which is refused like any error. `read`
    /// must have kept nothing of a refused call (a refusal comes before any data).
    static func halvingOnCostRefusal<Element>(_ elements: ArraySlice<Element>,
                                              _ read: (ArraySlice<Element>) throws(ShopifyError) -> Void) throws(ShopifyError) {
        do {
            try read(elements)
        } catch where error.isCostRefusal && elements.count > 1 {
            let middle = elements.startIndex + elements.count / 2
            try halvingOnCostRefusal(elements[..<middle], read)
            try halvingOnCostRefusal(elements[middle...], read)
        }
    }

    /// One line of an order as fulfilled from one location.
    package struct FulfillmentLine: Sendable, Equatable {
        package var lineItemID: String
        package var sku: String?
        package var quantity: Int
        /// The Shopify location whose stock the line took.
        package var location: String
    }

    /// The order's lines by the location Shopify assigned (and deducted) them at; nil for an
    /// order the store does not know.
    /// Every page: fulfillment orders a page at a time, and the lines of one that fill its
    /// first page read on with `fulfillmentOrderLines`, so no line is left without a place.
    package func fulfillmentLines(orderID: String) throws(ShopifyError) -> [FulfillmentLine]? {
        var lines: [FulfillmentLine] = []
        var cursor: String?
        repeat {
            guard let order = try client.execute(AdminDocuments.orderFulfillment, variables: CursorVariables(id: orderID, after: cursor),
                                                 returning: OrderFulfillmentPayload.self).order
            else { return nil }
            for fulfillment in order.fulfillmentOrders.nodes {
                guard let location = fulfillment.assignedLocation.location?.id else { continue }
                var page = fulfillment.lineItems
                lines += page.nodes.map { $0.line(at: location) }
                while let after = try page.nextCursor(of: "fulfillment order \(fulfillment.id)") {
                    guard let next = try client.execute(AdminDocuments.fulfillmentOrderLines,
                                                        variables: CursorVariables(id: fulfillment.id, after: after),
                                                        returning: FulfillmentOrderLinesPayload.self).fulfillmentOrder
                    else { throw .malformedResponse("fulfillment order \(fulfillment.id) of \(orderID) vanished while its lines were read") }
                    page = next.lineItems
                    lines += page.nodes.map { $0.line(at: location) }
                }
            }
            cursor = try order.fulfillmentOrders.nextCursor(of: "order \(orderID)")
        } while cursor != nil
        return lines
    }

    /// `fulfillmentLines(orderID:)` of many orders, `AdminDocuments.ordersPerFulfillmentQuery`
    /// a call, by order id; orders the store does not know are left out.
    package func fulfillmentLines(orderIDs: [String]) throws(ShopifyError) -> [String: [FulfillmentLine]] {
        var result: [String: [FulfillmentLine]] = [:]
        for start in stride(from: 0, to: orderIDs.count, by: AdminDocuments.ordersPerFulfillmentQuery) {
            let ids = orderIDs[start..<min(start + AdminDocuments.ordersPerFulfillmentQuery, orderIDs.count)]
            try Self.halvingOnCostRefusal(ids) { part throws(ShopifyError) in try fulfillmentLines(of: Array(part), into: &result) }
        }
        return result
    }

    /// One call for these orders; an order it could not read whole is asked alone.
    private func fulfillmentLines(of ids: [String], into result: inout [String: [FulfillmentLine]]) throws(ShopifyError) {
        let variables = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ("o\($0.offset)", $0.element) })
        let orders = try client.execute(AdminDocuments.ordersFulfillment(count: ids.count), variables: variables,
                                        returning: [String: OrderFulfillmentPayload.Order?].self)
        for (index, id) in ids.enumerated() {
            guard let order = orders["o\(index)"] ?? nil else { continue }
            if order.isComplete {
                result[id] = order.lines
            } else if let lines = try fulfillmentLines(orderID: id) {
                result[id] = lines
            }
        }
    }

    package struct LevelKey: Sendable, Hashable {
        package var inventoryItemID: String
        package var location: String

        package init(inventoryItemID: String, location: String) {
            self.inventoryItemID = inventoryItemID
            self.location = location
        }
    }

    /// `available` at each level; nil where the item is not stocked at the location (or
    /// the item no longer exists).
    package func availableLevels(_ keys: [LevelKey]) throws(ShopifyError) -> [LevelKey: Int?] {
        var levels: [LevelKey: Int?] = [:]
        var start = 0
        while start < keys.count {
            let chunk = Array(keys[start..<min(start + AdminDocuments.levelsPerRead, keys.count)])
            start += chunk.count
            var variables: [String: String] = [:]
            for (index, key) in chunk.enumerated() {
                variables["item\(index)"] = key.inventoryItemID
                variables["location\(index)"] = key.location
            }
            let payload = try client.execute(AdminDocuments.availableLevels(count: chunk.count), variables: variables,
                                             returning: [String: LevelAlias?].self)
            for (index, key) in chunk.enumerated() {
                levels[key] = payload["level\(index)"]??.inventoryLevel?.quantities.available
            }
        }
        return levels
    }

    package struct Location: Sendable, Equatable {
        package var id: String
        package var name: String
        package var isActive: Bool
    }

    package func locations() throws(ShopifyError) -> [Location] {
        var all: [Location] = []
        var cursor: String?
        repeat {
            let page = try client.execute(
                AdminDocuments.locations,
                variables: PageVariables(first: AdminDocuments.locationsPerPage, after: cursor),
                returning: LocationsPayload.self).locations
            all += page.nodes.map { Location(id: $0.id, name: $0.name, isActive: $0.isActive) }
            cursor = try page.nextCursor(of: "locations")
        } while cursor != nil
        return all
    }

    // MARK: Bulk operations

    /// Starts a bulk query; returns its id. Shopify runs one bulk query per shop at a time.
    /// If another bulk query of the shop is running (a catalogue sync beside a
    /// reconciliation), waits for it to end, up to `patience`.
    package func startBulkQuery(_ query: String, patience: Duration = .seconds(900)) throws(ShopifyError) -> String {
        let deadline = ContinuousClock.now + patience
        while true {
            let payload = try client.execute(AdminDocuments.runBulkQuery, variables: ["query": query],
                                             returning: RunBulkPayload.self).bulkOperationRunQuery
            if let operation = payload?.bulkOperation, payload?.userErrors.isEmpty ?? true { return operation.id }
            let errors = payload?.userErrors ?? []
            guard errors.contains(where: { $0.code == "OPERATION_IN_PROGRESS" }), ContinuousClock.now < deadline else {
                throw .graphQL(errors.isEmpty ? ["bulkOperationRunQuery returned nothing"] : errors.map(\.message))
            }
            blockingSleep(.seconds(1))
        }
    }

    package struct BulkOperation: Sendable, Decodable, Equatable {
        package var id: String
        package var status: String
        package var errorCode: String?
        package var objectCount: String?
        package var url: String?
    }

    package func currentBulkOperation() throws(ShopifyError) -> BulkOperation? {
        try client.execute(AdminDocuments.currentBulkOperation, variables: [String: String](),
                           returning: CurrentBulkPayload.self).currentBulkOperation
    }

    /// Runs a bulk query to completion and downloads its JSON lines into a `BulkResultFile`
    /// (empty when there were no objects), which the caller holds while reading and which
    /// goes when it is dropped, a failed download's included. Polls every `interval`.
    func runBulkQuery(_ query: String, pollEvery interval: Duration = .milliseconds(500)) throws -> BulkResultFile {
        let id = try startBulkQuery(query)
        while true {
            guard let operation = try currentBulkOperation(), operation.id == id else {
                throw ShopifyError.malformedResponse("bulk operation \(id) is no longer the current one")
            }
            switch operation.status {
            case "COMPLETED":
                let file = try BulkResultFile(in: bulkDirectory)
                // No URL: the operation matched nothing, so its result is the empty file.
                if let url = operation.url { try client.download(url, to: file.path) }
                return file
            case "FAILED", "CANCELED", "EXPIRED":
                throw ShopifyError.graphQL(["bulk operation \(operation.status.lowercased()): \(operation.errorCode ?? "no error code")"])
            default:
                // A pusher reading its shop's catalogue keeps its session (and the shop) alive.
                client.beforeWaiting?()
                blockingSleep(interval)
            }
        }
    }

    /// Every inventory item and its `available` per location, through one bulk operation
    /// (which costs almost nothing of the shop's API budget, however large the catalogue),
    /// handed to `body` line by line as the file is read.
    package func catalogue(_ body: (BulkInventoryLine) throws -> Void) throws {
        let file = try runBulkQuery(AdminDocuments.catalogueBulkQuery)
        try withExtendedLifetime(file) { try BulkInventoryLine.read(file.path, body) }
    }

    /// A value in Shopify's search syntax: double-quoted, with `\` and `"` escaped.
    static func quoted(_ value: String) -> String {
        "\"" + value.replacing("\\", with: "\\\\").replacing("\"", with: "\\\"") + "\""
    }
}

// MARK: Wire shapes

private struct SetAvailableVariables: Encodable {
    let input: Input
    let idempotencyKey: String?

    struct Input: Encodable {
        let quantities: [PushQuantity]
        let compareField: ShopifyAPIVersion.CompareField
        let referenceDocumentUri: String

        enum CodingKeys: String, CodingKey { case name, reason, referenceDocumentUri, quantities }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode("available", forKey: .name)
            try container.encode("correction", forKey: .reason)
            try container.encode(referenceDocumentUri, forKey: .referenceDocumentUri)
            var list = container.nestedUnkeyedContainer(forKey: .quantities)
            for quantity in quantities {
                var item = list.nestedContainer(keyedBy: DynamicKey.self)
                try item.encode(quantity.inventoryItemID, forKey: DynamicKey("inventoryItemId"))
                try item.encode(quantity.location, forKey: DynamicKey("locationId"))
                try item.encode(quantity.quantity, forKey: DynamicKey("quantity"))
                try item.encode(quantity.changeFrom, forKey: DynamicKey(compareField.rawValue))
            }
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: DynamicKey.self)
        try container.encode(input, forKey: DynamicKey("input"))
        if let idempotencyKey { try container.encode(idempotencyKey, forKey: DynamicKey("idempotencyKey")) }
    }
}

private struct DynamicKey: CodingKey {
    let stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

private struct UserError: Decodable {
    let code: String?
    let field: [String]?
    let message: String
}

private struct SetAvailablePayload: Decodable {
    let inventorySetQuantities: Result?
    struct Result: Decodable { let userErrors: [UserError] }
}

private struct ItemsBySKUVariables: Encodable {
    let first: Int
    let query: String
}

private struct ItemsBySKUPayload: Decodable {
    let inventoryItems: Items
    struct Items: Decodable { let nodes: [Node] }
    struct Node: Decodable {
        let id: String
        let sku: String?
    }
}

/// `{ name quantity }` of an inventory level, wherever it is read.
struct WireQuantity: Decodable {
    let name: String
    let quantity: Int
}

/// `{ id }` of a referenced object.
struct WireReference: Decodable { let id: String }

extension [WireQuantity] {
    var available: Int? { first { $0.name == "available" }?.quantity }
}

private struct LevelAlias: Decodable {
    let inventoryLevel: Level?
    struct Level: Decodable { let quantities: [WireQuantity] }
}

private struct LevelsPageVariables: Encodable {
    let first: Int
    let query: String
    let after: String?
}

private struct ItemLevelsPayload: Decodable {
    let inventoryItems: Nodes<Item>
    struct Item: Decodable {
        let id: String
        let sku: String?
        let inventoryLevels: Levels
    }
    struct Levels: Decodable { let nodes: [Level] }
    struct Level: Decodable {
        let location: WireReference
        let quantities: [WireQuantity]
    }
}

private struct PageVariables: Encodable {
    let first: Int
    let after: String?
}

private struct LocationsPayload: Decodable {
    let locations: Nodes<Node>
    struct Node: Decodable {
        let id: String
        let name: String
        let isActive: Bool
    }
}

struct CursorVariables: Encodable {
    let id: String
    let after: String?
}

private struct OrderFulfillmentPayload: Decodable {
    let order: Order?

    struct Order: Decodable {
        let fulfillmentOrders: Nodes<FulfillmentOrder>

        var lines: [InventoryAPI.FulfillmentLine] {
            fulfillmentOrders.nodes.flatMap { fulfillment -> [InventoryAPI.FulfillmentLine] in
                guard let location = fulfillment.assignedLocation.location?.id else { return [] }
                return fulfillment.lineItems.nodes.map { $0.line(at: location) }
            }
        }

        /// False when a page of fulfillment orders or of their lines left some out.
        var isComplete: Bool {
            !fulfillmentOrders.hasMore && !fulfillmentOrders.nodes.contains { $0.lineItems.hasMore }
        }
    }

    struct FulfillmentOrder: Decodable {
        let id: String
        let assignedLocation: AssignedLocation
        let lineItems: Nodes<Line>
    }
    struct AssignedLocation: Decodable { let location: WireReference? }
    struct Line: Decodable {
        let totalQuantity: Int
        let lineItem: LineItem

        func line(at location: String) -> InventoryAPI.FulfillmentLine {
            InventoryAPI.FulfillmentLine(lineItemID: lineItem.id, sku: StockChangedContract.erpSKU(lineItem.sku),
                                         quantity: totalQuantity, location: location)
        }
    }
    struct LineItem: Decodable {
        let id: String
        let sku: String?
    }
}

private struct FulfillmentOrderLinesPayload: Decodable {
    let fulfillmentOrder: FulfillmentOrder?
    struct FulfillmentOrder: Decodable { let lineItems: Nodes<OrderFulfillmentPayload.Line> }
}

private struct RunBulkPayload: Decodable {
    let bulkOperationRunQuery: Result?
    struct Result: Decodable {
        let bulkOperation: Operation?
        let userErrors: [UserError]
    }
    struct Operation: Decodable { let id: String }
}

private struct CurrentBulkPayload: Decodable {
    let currentBulkOperation: InventoryAPI.BulkOperation?
}

/// A connection's nodes; `pageInfo` only where the document asks for it, `endCursor`
/// only where it pages on.
struct Nodes<Node: Decodable>: Decodable {
    let nodes: [Node]
    let pageInfo: PageInfo?
    struct PageInfo: Decodable {
        let hasNextPage: Bool
        let endCursor: String?
    }
    var hasMore: Bool { pageInfo?.hasNextPage ?? false }

    /// Where the next page starts; nil after the last one.
    func nextCursor(of owner: @autoclosure () -> String) throws(ShopifyError) -> String? {
        guard hasMore else { return nil }
        guard let cursor = pageInfo?.endCursor else {
            throw .malformedResponse("\(owner()): hasNextPage without an endCursor")
        }
        return cursor
    }
}
