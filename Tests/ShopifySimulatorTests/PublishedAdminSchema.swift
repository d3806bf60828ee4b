import Foundation
import GraphQL
import StockSyncDomain
import TestSupport

/// Shopify's published Admin GraphQL schema (the 2025-01 introspection in `Tests/Fixtures`),
/// moved to a later API version by the inventory changes Shopify's changelog documents:
/// 2026-01 adds `changeFromQuantity`, the `@idempotent` directive and three error codes;
/// 2026-04 removes `compareQuantity` and `ignoreCompareQuantity`.
struct PublishedAdminSchema {
    struct TypeRef: Decodable, Sendable {
        let kind: String
        let name: String?
        let ofType: Box?

        final class Box: Decodable, Sendable {
            let value: TypeRef
            init(_ value: TypeRef) { self.value = value }
            init(from decoder: any Decoder) throws { value = try TypeRef(from: decoder) }
        }

        var sdl: String {
            switch kind {
            case "NON_NULL": ofType!.value.sdl + "!"
            case "LIST": "[" + ofType!.value.sdl + "]"
            default: name!
            }
        }
    }

    struct InputValue: Decodable, Sendable {
        let name: String
        var type: TypeRef
        let defaultValue: String?
    }

    struct Field: Decodable, Sendable {
        let name: String
        let args: [InputValue]
        let type: TypeRef
    }

    struct EnumValue: Decodable, Sendable { let name: String }

    struct FullType: Decodable, Sendable {
        let kind: String
        let name: String
        var fields: [Field]?
        var inputFields: [InputValue]?
        let interfaces: [TypeRef]?
        var enumValues: [EnumValue]?
        let possibleTypes: [TypeRef]?
    }

    struct Directive: Decodable, Sendable {
        let name: String
        let locations: [String]
        let args: [InputValue]
    }

    struct Schema: Decodable, Sendable {
        struct Name: Decodable, Sendable { let name: String }
        let queryType: Name
        let mutationType: Name?
        var types: [FullType]
        var directives: [Directive]
    }

    private struct Envelope: Decodable {
        struct Data: Decodable { let __schema: Schema }
        let data: Data
    }

    static let path = Fixtures.adminSchema

    struct Missing: Error, CustomStringConvertible {
        var description: String { "Shopify's published schema is not at \(PublishedAdminSchema.path)" }
    }

    /// The decoded 2025-01 introspection, read once.
    static let published: Result<Schema, any Error> = Result {
        guard FileManager.default.fileExists(atPath: path) else { throw Missing() }
        let gunzip = Process()
        gunzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gunzip.arguments = ["-dc", path]
        let output = Pipe()
        gunzip.standardOutput = output
        try gunzip.run()
        let json = output.fileHandleForReading.readDataToEndOfFile()
        gunzip.waitUntilExit()
        return try JSONDecoder().decode(Envelope.self, from: json).data.__schema
    }

    var schema: Schema

    init(version: ShopifyAPIVersion) throws {
        schema = try Self.published.get()
        guard version >= .changeFromQuantityIntroduced else { return }
        let changeFrom = InputValue(name: "changeFromQuantity", type: TypeRef(kind: "SCALAR", name: "Int", ofType: nil),
                                    defaultValue: nil)
        let removed: Set<String> = version >= .changeFromQuantityRequired ? ["compareQuantity", "ignoreCompareQuantity"] : []
        for index in schema.types.indices {
            switch schema.types[index].name {
            case "InventoryQuantityInput", "InventoryChangeInput":
                schema.types[index].inputFields = schema.types[index].inputFields!.filter { !removed.contains($0.name) }
                    + [changeFrom]
            case "InventorySetQuantitiesInput":
                schema.types[index].inputFields = schema.types[index].inputFields!.filter { !removed.contains($0.name) }
            case "InventorySetQuantitiesUserErrorCode", "InventoryAdjustQuantitiesUserErrorCode":
                schema.types[index].enumValues! += ["CHANGE_FROM_QUANTITY_STALE", "IDEMPOTENCY_CONCURRENT_REQUEST",
                                                    "IDEMPOTENCY_KEY_PARAMETER_MISMATCH"].map(EnumValue.init)
            default: break
            }
        }
        schema.directives.append(Directive(
            name: "idempotent", locations: ["FIELD"],
            args: [InputValue(name: "key", type: TypeRef(kind: "NON_NULL", name: nil,
                                                         ofType: .init(TypeRef(kind: "SCALAR", name: "String", ofType: nil))),
                              defaultValue: nil)]))
    }

    func type(_ name: String) -> FullType? {
        schema.types.first { $0.name == name }
    }

    /// The schema as SDL, for GraphQLSwift to build and validate documents against.
    var sdl: String {
        let builtIn: Set<String> = ["String", "Int", "Float", "Boolean", "ID"]
        var lines = ["schema { query: \(schema.queryType.name)\(schema.mutationType.map { " mutation: \($0.name)" } ?? "") }"]
        for directive in schema.directives where !["include", "skip", "deprecated", "specifiedBy", "oneOf"].contains(directive.name) {
            lines.append("directive @\(directive.name)\(Self.arguments(directive.args)) on \(directive.locations.joined(separator: " | "))")
        }
        for type in schema.types where !type.name.hasPrefix("__") && !builtIn.contains(type.name) {
            switch type.kind {
            case "SCALAR": lines.append("scalar \(type.name)")
            case "OBJECT", "INTERFACE":
                let keyword = type.kind == "OBJECT" ? "type" : "interface"
                let interfaces = (type.interfaces ?? []).compactMap(\.name)
                lines.append("\(keyword) \(type.name)\(interfaces.isEmpty ? "" : " implements " + interfaces.joined(separator: " & ")) {")
                lines += type.fields!.map { "  \($0.name)\(Self.arguments($0.args)): \($0.type.sdl)" }
                lines.append("}")
            case "UNION":
                lines.append("union \(type.name) = \(type.possibleTypes!.compactMap(\.name).joined(separator: " | "))")
            case "ENUM":
                lines.append("enum \(type.name) { \(type.enumValues!.map(\.name).joined(separator: " ")) }")
            case "INPUT_OBJECT":
                lines.append("input \(type.name) {")
                lines += type.inputFields!.map { "  \($0.name): \($0.type.sdl)\($0.defaultValue.map { " = \($0)" } ?? "")" }
                lines.append("}")
            default: break
            }
        }
        return lines.joined(separator: "\n")
    }

    private static func arguments(_ values: [InputValue]) -> String {
        values.isEmpty ? "" : "(" + values.map { "\($0.name): \($0.type.sdl)\($0.defaultValue.map { " = \($0)" } ?? "")" }
            .joined(separator: ", ") + ")"
    }
}
