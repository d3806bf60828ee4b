import Foundation
import GraphQL
import OrderedCollections
import StockSyncDomain

/// `bulkOperationRunQuery`: runs the query over the whole store in the background and
/// offers the result as JSON lines, each nested connection's nodes on lines of their own
/// pointing at their parent through `__parentId`, as Shopify writes them.
extension ShopifySimulator {
    func runBulkQuery(_ domain: String, query: String, version: ShopifyAPIVersion, baseURL: String) throws -> Object {
        let shop = try shop(domain)
        if let current = shop.currentBulkOperation, let operation = shop.bulkOperations[current],
           operation.status == "CREATED" || operation.status == "RUNNING" {
            return Self.bulkRefusal("OPERATION_IN_PROGRESS",
                                    "A bulk query operation for this app and shop is already in progress: \(Gid.bulkOperation(current)).")
        }
        let document: Document
        do {
            document = try parse(source: query)
        } catch {
            return Self.bulkRefusal("INVALID", "Invalid bulk query: \(error)")
        }
        let errors = validate(schema: try schema(version), ast: document)
        if let first = errors.first { return Self.bulkRefusal("INVALID", "Invalid bulk query: \(first.message)") }
        let id = try withShop(domain) { shop -> Int in
            let id = shop.newID()
            shop.bulkOperations[id] = .init(id: id, query: query, status: "RUNNING", createdAt: Date())
            shop.currentBulkOperation = id
            return id
        }
        let schema = try schema(version)
        // Runs after this call has answered, as Shopify runs bulk operations in the background.
        Task { self.finishBulk(domain, id: id, document: document, schema: schema) }
        return ["bulkOperation": try bulkObject(domain, id: id, baseURL: baseURL) ?? [:], "userErrors": [Object]()]
    }

    private static func bulkRefusal(_ code: String, _ message: String) -> Object {
        ["userErrors": [["code": code, "message": message, "field": ["query"]] as Object]]
    }

    private func finishBulk(_ domain: String, id: Int, document: Document, schema: GraphQLSchema) {
        try? withShop(domain) { shop in
            var writer = BulkWriter(schema: schema, shop: shop)
            do {
                try writer.run(document)
                shop.bulkOperations[id]?.result = writer.output
                shop.bulkOperations[id]?.objectCount = writer.objects
                shop.bulkOperations[id]?.rootObjectCount = writer.roots
                shop.bulkOperations[id]?.status = "COMPLETED"
                shop.bulkOperations[id]?.completedAt = Date()
            } catch {
                shop.bulkOperations[id]?.status = "FAILED"
                shop.bulkOperations[id]?.errorCode = "INTERNAL_SERVER_ERROR"
            }
        }
    }

    func currentBulkOperation(_ domain: String, baseURL: String) throws -> Object? {
        guard let id = try shop(domain).currentBulkOperation else { return nil }
        return try bulkObject(domain, id: id, baseURL: baseURL)
    }

    private func bulkObject(_ domain: String, id: Int, baseURL: String) throws -> Object? {
        guard let operation = try shop(domain).bulkOperations[id] else { return nil }
        var object: Object = [
            "id": Gid.bulkOperation(id), "status": operation.status, "query": operation.query, "type": "QUERY",
            "createdAt": operation.createdAt.formatted(.iso8601), "objectCount": String(operation.objectCount),
            "rootObjectCount": String(operation.rootObjectCount),
        ]
        if let completedAt = operation.completedAt { object["completedAt"] = completedAt.formatted(.iso8601) }
        if let errorCode = operation.errorCode { object["errorCode"] = errorCode }
        if let result = operation.result, !result.isEmpty {
            object["url"] = "\(baseURL)/_simulator/bulk/\(domain)/\(id).jsonl"
            object["fileSize"] = String(result.count)
        }
        return object
    }

    /// A finished bulk operation's JSON lines.
    package func bulkResult(shop domain: String, id: Int) throws -> [UInt8]? {
        try shop(domain).bulkOperations[id]?.result
    }

    /// How long this download is to hang halfway, if it is one the faults pick.
    package func bulkDownloadStall() -> Duration? {
        inject("bulk download stall", rate: faults.bulkDownloadStallRate) ? .milliseconds(faults.stallMilliseconds) : nil
    }
}

/// Writes a bulk query's result straight from the store, a line per node: every node of
/// every connection, with the fields it selects; the nodes of a nested connection follow on
/// lines of their own with `__parentId`. Nothing like the whole result tree is built.
struct BulkWriter {
    typealias Object = ShopifySimulator.Object
    let schema: GraphQLSchema
    let shop: SimulatedShop
    private(set) var output: [UInt8] = []
    private(set) var objects = 0
    private(set) var roots = 0

    init(schema: GraphQLSchema, shop: SimulatedShop) {
        self.schema = schema
        self.shop = shop
    }

    struct Unsupported: Error {}

    mutating func run(_ document: Document) throws {
        guard let operation = document.definitions.compactMap({ $0 as? OperationDefinition }).first,
              let root = schema.queryType
        else { throw Unsupported() }
        for field in operation.selectionSet.selections.compactMap({ $0 as? Field }) {
            try writeConnection(field, of: root, source: [:], parent: nil)
        }
    }

    /// The nodes a connection field holds, whole (bulk operations do not page).
    private func nodes(_ field: Field, of type: GraphQLObjectType, source: Object) throws -> [Object] {
        switch (type.name, field.name.value) {
        case ("QueryRoot", "inventoryItems"):
            return shop.itemOrder.compactMap { shop.items[$0].map(ShopifySimulator.itemObject) }
        case ("QueryRoot", "locations"):
            return shop.locations.keys.sorted().map { ShopifySimulator.locationObject(shop.locations[$0]!) }
        case ("InventoryItem", "inventoryLevels"):
            let item = source["_item"] as! Int
            return shop.locations.keys.sorted().compactMap { ShopifySimulator.levelObject(shop, .init(item: item, location: $0)) }
        default:
            throw Unsupported()
        }
    }

    private mutating func writeConnection(_ field: Field, of type: GraphQLObjectType, source: Object, parent: String?) throws {
        guard let nodeSelection = Self.nodeSelection(field), let nodeType = try Self.nodeType(of: field, in: type) else {
            throw Unsupported()
        }
        for node in try nodes(field, of: type, source: source) {
            var line: [UInt8] = [UInt8(ascii: "{")]
            var nested: [Field] = []
            var first = true
            for member in Self.fields(nodeSelection) {
                if try Self.isConnection(member, in: nodeType) {
                    nested.append(member)
                    continue
                }
                if !first { line.append(UInt8(ascii: ",")) }
                first = false
                JSONText.append(string: member.alias?.value ?? member.name.value, to: &line)
                line.append(UInt8(ascii: ":"))
                try JSONText.append(value: value(of: member, in: node), to: &line)
            }
            if let parent {
                if !first { line.append(UInt8(ascii: ",")) }
                line.append(contentsOf: Array(#""__parentId":"#.utf8))
                JSONText.append(string: parent, to: &line)
            } else {
                roots += 1
            }
            line.append(contentsOf: [UInt8(ascii: "}"), UInt8(ascii: "\n")])
            output.append(contentsOf: line)
            objects += 1
            for member in nested {
                try writeConnection(member, of: nodeType, source: node, parent: node["id"] as? String)
            }
        }
    }

    /// A field's value projected to its selection.
    private func value(of field: Field, in object: Object) throws -> (any Sendable)? {
        let raw: (any Sendable)?
        if field.name.value == "quantities" {
            let names = (field.arguments.first { $0.name.value == "names" }?.value as? ListValue)?.values
                .compactMap { ($0 as? StringValue)?.value } ?? []
            raw = try SimulatorSchema.quantities(of: object, names: names)
        } else {
            raw = object[field.name.value] ?? nil
        }
        guard let selection = field.selectionSet else { return raw }
        func project(_ value: Object) -> Object {
            var projected: Object = [:]
            for member in Self.fields(selection) { projected[member.alias?.value ?? member.name.value] = value[member.name.value] ?? nil }
            return projected
        }
        if let list = raw as? [Object] { return list.map(project) }
        return (raw as? Object).map(project)
    }

    private static func fields(_ selectionSet: SelectionSet) -> [Field] {
        selectionSet.selections.compactMap { $0 as? Field }
    }

    /// `edges { node { … } }` or `nodes { … }`.
    private static func nodeSelection(_ field: Field) -> SelectionSet? {
        guard let selection = field.selectionSet else { return nil }
        for member in fields(selection) {
            if member.name.value == "nodes" { return member.selectionSet }
            if member.name.value == "edges", let edges = member.selectionSet {
                return fields(edges).first { $0.name.value == "node" }?.selectionSet
            }
        }
        return nil
    }

    private static func nodeType(of field: Field, in type: GraphQLObjectType) throws -> GraphQLObjectType? {
        guard let connection = try type.fields()[field.name.value].flatMap({ getNamedType(type: $0.type) }) as? GraphQLObjectType,
              let nodes = try connection.fields()["nodes"]
        else { return nil }
        return getNamedType(type: nodes.type) as? GraphQLObjectType
    }

    private static func isConnection(_ field: Field, in type: GraphQLObjectType) throws -> Bool {
        try type.fields()[field.name.value].flatMap { getNamedType(type: $0.type)?.name.hasSuffix("Connection") } ?? false
    }
}

/// JSON text of the simple values resolvers produce, and of GraphQL results.
enum JSONText {
    /// A result as JSON, in its members' order; `undefined` members are left out.
    static func append(map: Map, to bytes: inout [UInt8]) {
        switch map {
        case .undefined, .null: bytes.append(contentsOf: "null".utf8)
        case .bool(let flag): bytes.append(contentsOf: (flag ? "true" : "false").utf8)
        case .string(let text): append(string: text, to: &bytes)
        case .number(let number):
            let value = number.doubleValue
            if number.storageType == .int {
                bytes.append(contentsOf: String(number.intValue).utf8)
            } else if value == value.rounded(), abs(value) < 1e15 {
                bytes.append(contentsOf: String(Int(value)).utf8)
            } else {
                bytes.append(contentsOf: "\(value)".utf8)
            }
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                append(map: element, to: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case .dictionary(let members):
            bytes.append(UInt8(ascii: "{"))
            var first = true
            for (key, value) in members where !value.isUndefined {
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                append(string: key, to: &bytes)
                bytes.append(UInt8(ascii: ":"))
                append(map: value, to: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    static func append(string: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\")); bytes.append(byte)
            case 0..<0x20: bytes.append(contentsOf: Array(String(format: "\\u%04x", byte).utf8))
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    static func append(value: (any Sendable)?, to bytes: inout [UInt8]) throws {
        switch value {
        case nil: bytes.append(contentsOf: Array("null".utf8))
        case let text as String: append(string: text, to: &bytes)
        case let number as Int: bytes.append(contentsOf: Array(String(number).utf8))
        case let flag as Bool: bytes.append(contentsOf: Array((flag ? "true" : "false").utf8))
        case let list as [any Sendable]:
            bytes.append(UInt8(ascii: "["))
            for (index, element) in list.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                try append(value: element, to: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case let object as [String: any Sendable]:
            bytes.append(UInt8(ascii: "{"))
            for (index, key) in object.keys.sorted().enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                append(string: key, to: &bytes)
                bytes.append(UInt8(ascii: ":"))
                try append(value: object[key] ?? nil, to: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        default:
            throw BulkWriter.Unsupported()
        }
    }
}
