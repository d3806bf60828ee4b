import OrderedCollections
import Foundation
import GraphQL
import OrderedCollections
import StockSyncCore

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
        let context = RequestContext(simulator: self, shop: domain, version: version, bulk: true, baseURL: baseURL)
        let schema = try schema(version)
        Task {
            let result = try? await execute(schema: schema, documentAST: document, rootValue: (), context: context)
            await self.finishBulk(domain, id: id, result: result)
        }
        return ["bulkOperation": try bulkObject(domain, id: id, baseURL: baseURL) ?? [:], "userErrors": [Object]()]
    }

    private static func bulkRefusal(_ code: String, _ message: String) -> Object {
        ["userErrors": [["code": code, "message": message, "field": ["query"]] as Object]]
    }

    private func finishBulk(_ domain: String, id: Int, result: GraphQLResult?) {
        try? withShop(domain) { shop in
            guard let result, result.errors.isEmpty, let data = result.data else {
                shop.bulkOperations[id]?.status = "FAILED"
                shop.bulkOperations[id]?.errorCode = "INTERNAL_SERVER_ERROR"
                return
            }
            var lines: [[UInt8]] = []
            var roots = 0
            Self.flatten(data, parent: nil, into: &lines, roots: &roots)
            shop.bulkOperations[id]?.result = lines.joined(separator: [UInt8(ascii: "\n")]) + (lines.isEmpty ? [] : [UInt8(ascii: "\n")])
            shop.bulkOperations[id]?.objectCount = lines.count
            shop.bulkOperations[id]?.rootObjectCount = roots
            shop.bulkOperations[id]?.status = "COMPLETED"
            shop.bulkOperations[id]?.completedAt = Date()
        }
    }

    /// Writes the nodes of every connection under `value`; a node's own nested connections
    /// follow it, their nodes pointing at it.
    private static func flatten(_ value: Map, parent: String?, into lines: inout [[UInt8]], roots: inout Int) {
        guard case .dictionary(let members) = value else { return }
        for (_, member) in members {
            guard let nodes = connectionNodes(member) else {
                flatten(member, parent: parent, into: &lines, roots: &roots)
                continue
            }
            for node in nodes {
                guard case .dictionary(var fields) = node else { continue }
                var nested: [Map] = []
                for (key, field) in fields where connectionNodes(field) != nil {
                    nested.append(.dictionary([key: field]))
                    fields.removeValue(forKey: key)
                }
                if let parent { fields["__parentId"] = .string(parent) } else { roots += 1 }
                if let line = try? GraphQLJSONEncoder().encode(Map.dictionary(fields)) { lines.append(Array(line)) }
                for connection in nested {
                    flatten(connection, parent: fields["id"]?.string, into: &lines, roots: &roots)
                }
            }
        }
    }

    private static func connectionNodes(_ value: Map) -> [Map]? {
        guard case .dictionary(let members) = value else { return nil }
        if let edges = members["edges"]?.array { return edges.compactMap { $0.dictionary?["node"] } }
        if let nodes = members["nodes"]?.array { return nodes }
        return nil
    }

    func currentBulkOperation(_ domain: String, baseURL: String) throws -> Object? {
        guard let id = try shop(domain).currentBulkOperation else { return nil }
        return try bulkObject(domain, id: id, baseURL: baseURL)
    }

    private func bulkObject(_ domain: String, id: Int, baseURL: String) throws -> Object? {
        guard let operation = try shop(domain).bulkOperations[id] else { return nil }
        let formatter = ISO8601DateFormatter()
        var object: Object = [
            "id": Gid.bulkOperation(id), "status": operation.status, "query": operation.query, "type": "QUERY",
            "createdAt": formatter.string(from: operation.createdAt), "objectCount": String(operation.objectCount),
            "rootObjectCount": String(operation.rootObjectCount),
        ]
        if let completedAt = operation.completedAt { object["completedAt"] = formatter.string(from: completedAt) }
        if let errorCode = operation.errorCode { object["errorCode"] = errorCode }
        if let result = operation.result, !result.isEmpty {
            object["url"] = "\(baseURL)/_simulator/bulk/\(domain)/\(id).jsonl"
            object["fileSize"] = String(result.count)
        }
        return object
    }

    /// A finished bulk operation's JSON lines.
    public func bulkResult(shop domain: String, id: Int) throws -> [UInt8]? {
        try shop(domain).bulkOperations[id]?.result
    }
}
