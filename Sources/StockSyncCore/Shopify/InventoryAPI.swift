import Logging

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The inventory operations stocksync performs, typed, over one shop's client.
public struct InventoryAPI {
    public let client: AdminGraphQLClient

    public init(client: AdminGraphQLClient) {
        self.client = client
    }

    /// Over libcurl, with TLS verified for every shop not on loopback.
    public init(connection: ShopConnection, logger: Logger) throws(TransportError) {
        let transport = try CurlTransport(verifyTLS: !connection.isLoopback)
        self.init(client: AdminGraphQLClient(connection: connection, transport: transport, logger: logger))
    }

    private var version: ShopifyAPIVersion { client.connection.apiVersion }

    // MARK: Writes

    /// Shopify's verdict on one `inventorySetQuantities` call. The mutation is atomic: a
    /// refused call applied nothing, and its refusals say which quantities were at fault.
    public enum SetOutcome: Sendable, Equatable {
        case applied
        case refused([Refusal])
        /// The same idempotency key is still being processed: send the same request again later.
        case inProgress
    }

    public struct Refusal: Sendable, Equatable {
        /// Index into the quantities sent, when Shopify named one.
        public var index: Int?
        public var code: String?
        public var message: String

        public init(index: Int?, code: String?, message: String) {
            self.index = index
            self.code = code
            self.message = message
        }

        /// Shopify holds another quantity than the one we compared against.
        public var isStale: Bool { code == "CHANGE_FROM_QUANTITY_STALE" || code == "COMPARE_QUANTITY_STALE" }
    }

    public func setAvailable(_ quantities: [PushQuantity], idempotencyKey: String) throws(ShopifyError) -> SetOutcome {
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
    public func inventoryItems(skus: [String]) throws(ShopifyError) -> [String: String] {
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
                if let sku = node.sku, wanted.contains(sku), found[sku] == nil { found[sku] = node.id }
            }
        }
        return found
    }

    public struct LevelKey: Sendable, Hashable {
        public var inventoryItemID: String
        public var location: String

        public init(inventoryItemID: String, location: String) {
            self.inventoryItemID = inventoryItemID
            self.location = location
        }
    }

    /// `available` at each level; nil where the item is not stocked at the location (or
    /// the item no longer exists).
    public func availableLevels(_ keys: [LevelKey]) throws(ShopifyError) -> [LevelKey: Int?] {
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
                let quantities = payload["level\(index)"]??.inventoryLevel?.quantities
                levels[key] = quantities?.first { $0.name == "available" }?.quantity
            }
        }
        return levels
    }

    public struct Location: Sendable, Equatable {
        public var id: String
        public var name: String
        public var isActive: Bool
    }

    public func locations() throws(ShopifyError) -> [Location] {
        var all: [Location] = []
        var cursor: String?
        repeat {
            let page = try client.execute(
                AdminDocuments.locations,
                variables: PageVariables(first: AdminDocuments.locationsPerPage, after: cursor),
                returning: LocationsPayload.self).locations
            all += page.nodes.map { Location(id: $0.id, name: $0.name, isActive: $0.isActive) }
            cursor = page.pageInfo.hasNextPage ? page.pageInfo.endCursor : nil
        } while cursor != nil
        return all
    }

    // MARK: Bulk operations

    /// Starts a bulk query; returns its id. Shopify runs one bulk query per shop at a time.
    public func startBulkQuery(_ query: String) throws(ShopifyError) -> String {
        let payload = try client.execute(AdminDocuments.runBulkQuery, variables: ["query": query],
                                         returning: RunBulkPayload.self).bulkOperationRunQuery
        if let operation = payload?.bulkOperation, payload?.userErrors.isEmpty ?? true { return operation.id }
        throw .graphQL(payload?.userErrors.map(\.message) ?? ["bulkOperationRunQuery returned nothing"])
    }

    public struct BulkOperation: Sendable, Decodable, Equatable {
        public var id: String
        public var status: String
        public var errorCode: String?
        public var objectCount: String?
        public var url: String?
    }

    public func currentBulkOperation() throws(ShopifyError) -> BulkOperation? {
        try client.execute(AdminDocuments.currentBulkOperation, variables: [String: String](),
                           returning: CurrentBulkPayload.self).currentBulkOperation
    }

    /// Runs a bulk query to completion and returns its JSONL result (empty when there
    /// were no objects), polling every `interval`.
    public func runBulkQuery(_ query: String, pollEvery interval: Duration = .milliseconds(500))
        throws(ShopifyError) -> [UInt8]
    {
        let id = try startBulkQuery(query)
        while true {
            guard let operation = try currentBulkOperation(), operation.id == id else {
                throw .malformedResponse("bulk operation \(id) is no longer the current one")
            }
            switch operation.status {
            case "COMPLETED":
                guard let url = operation.url else { return [] }
                return try client.download(url)
            case "FAILED", "CANCELED", "EXPIRED":
                throw .graphQL(["bulk operation \(operation.status.lowercased()): \(operation.errorCode ?? "no error code")"])
            default:
                blockingSleep(interval)
            }
        }
    }

    /// Every inventory item with its `available` per location, through a bulk operation
    /// (which costs almost nothing of the shop's API budget, however large the catalogue).
    public func catalogue() throws(ShopifyError) -> Catalogue {
        try Catalogue(jsonl: runBulkQuery(AdminDocuments.catalogueBulkQuery))
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

private struct LevelAlias: Decodable {
    let inventoryLevel: Level?
    struct Level: Decodable { let quantities: [Quantity] }
    struct Quantity: Decodable {
        let name: String
        let quantity: Int
    }
}

private struct PageVariables: Encodable {
    let first: Int
    let after: String?
}

private struct PageInfo: Decodable {
    let hasNextPage: Bool
    let endCursor: String?
}

private struct LocationsPayload: Decodable {
    let locations: Page
    struct Page: Decodable {
        let nodes: [Node]
        let pageInfo: PageInfo
    }
    struct Node: Decodable {
        let id: String
        let name: String
        let isActive: Bool
    }
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

/// The result of `AdminDocuments.catalogueBulkQuery`: JSON lines, items first, each level
/// on a line of its own pointing at its item through `__parentId`.
public struct Catalogue: Sendable, Equatable {
    public struct Item: Sendable, Equatable {
        public var id: String
        public var sku: String?

        public init(id: String, sku: String?) {
            self.id = id
            self.sku = sku
        }
    }

    public struct Level: Sendable, Equatable {
        public var inventoryItemID: String
        public var location: String
        public var available: Int

        public init(inventoryItemID: String, location: String, available: Int) {
            self.inventoryItemID = inventoryItemID
            self.location = location
            self.available = available
        }
    }

    public var items: [Item] = []
    public var levels: [Level] = []

    public init(jsonl: [UInt8]) throws(ShopifyError) {
        var lineNumber = 0
        for line in jsonl.split(separator: UInt8(ascii: "\n")) where !line.isEmpty {
            lineNumber += 1
            let object: Line
            do {
                object = try JSONDecoder().decode(Line.self, from: Data(line))
            } catch {
                throw .malformedResponse("bulk result line \(lineNumber): \(error)")
            }
            if let parent = object.parentID {
                guard let location = object.location?.id,
                      let available = object.quantities?.first(where: { $0.name == "available" })?.quantity
                else { throw .malformedResponse("bulk result line \(lineNumber) is not an inventory level") }
                levels.append(Level(inventoryItemID: parent, location: location, available: available))
            } else if let id = object.id {
                items.append(Item(id: id, sku: object.sku))
            }
        }
    }

    private struct Line: Decodable {
        let id: String?
        let sku: String?
        let location: Reference?
        let quantities: [Quantity]?
        let parentID: String?

        enum CodingKeys: String, CodingKey {
            case id, sku, location, quantities
            case parentID = "__parentId"
        }

        struct Reference: Decodable { let id: String }
        struct Quantity: Decodable {
            let name: String
            let quantity: Int
        }
    }
}
