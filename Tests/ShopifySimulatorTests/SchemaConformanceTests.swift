import Foundation
import GraphQL
@testable import ShopifySimulator
import ShopifySimulator
import StockSyncDomain
import StockSyncShopify
import Testing

/// The client's documents and the simulator's schema, held against Shopify's published
/// schema: a document or a simulator type that drifts from Shopify's fails here.
@Suite("Conformance with Shopify's published Admin schema")
struct SchemaConformanceTests {
    static let versions = ["2025-01", "2025-10", "2026-01", "2026-04", "2026-07"].map { ShopifyAPIVersion($0)! }

    @Test("every document the client sends validates against the published schema", arguments: versions)
    func clientDocumentsValidate(version: ShopifyAPIVersion) throws {
        let published = try buildSchema(source: try PublishedAdminSchema(version: version).sdl)
        for operation in AdminDocuments.all(version) + [AdminDocuments.availableLevels(count: AdminDocuments.levelsPerRead)] {
            let errors = validate(schema: published, ast: try parse(source: operation.document))
            #expect(errors.isEmpty, "\(operation.name) at \(version): \(errors.map(\.message))")
        }
    }

    @Test("a document that drifts from the schema is caught")
    func driftIsCaught() throws {
        let published = try buildSchema(source: try PublishedAdminSchema(version: .default).sdl)
        let drifted = AdminDocuments.setAvailable(.default).document.replacingOccurrences(of: "message", with: "text")
        #expect(!validate(schema: published, ast: try parse(source: drifted)).isEmpty)
        let old = try buildSchema(source: try PublishedAdminSchema(version: ShopifyAPIVersion("2025-10")!).sdl)
        #expect(!validate(schema: old, ast: try parse(source: AdminDocuments.setAvailable(.default).document)).isEmpty,
                "@idempotent does not exist before 2026-01")
    }

    @Test("every type, field, argument and enum value the simulator serves is Shopify's", arguments: versions)
    func simulatorSchemaIsASubset(version: ShopifyAPIVersion) throws {
        let published = try PublishedAdminSchema(version: version)
        let document = try parse(source: AdminSchema.sdl(for: version))
        var checked = 0
        for definition in document.definitions {
            switch definition {
            case let object as ObjectTypeDefinition:
                let fields = try #require(published.type(object.name.value)?.fields, "type \(object.name.value)")
                for field in object.fields {
                    let theirs = try #require(fields.first { $0.name == field.name.value }, "\(object.name.value).\(field.name.value)")
                    #expect(print(ast: field.type) == theirs.type.sdl, "\(object.name.value).\(field.name.value)")
                    for argument in field.arguments {
                        let their = theirs.args.first { $0.name == argument.name.value }
                        #expect(their?.type.sdl == print(ast: argument.type), "\(object.name.value).\(field.name.value)(\(argument.name.value))")
                    }
                    checked += 1
                }
            case let input as InputObjectTypeDefinition:
                let fields = try #require(published.type(input.name.value)?.inputFields, "input \(input.name.value)")
                for field in input.fields {
                    #expect(fields.first { $0.name == field.name.value }?.type.sdl == print(ast: field.type),
                            "\(input.name.value).\(field.name.value)")
                    checked += 1
                }
            case let enumeration as EnumTypeDefinition:
                let values = try #require(published.type(enumeration.name.value)?.enumValues, "enum \(enumeration.name.value)")
                for value in enumeration.values {
                    #expect(values.contains { $0.name == value.name.value }, "\(enumeration.name.value).\(value.name.value)")
                    checked += 1
                }
            default: continue
            }
        }
        #expect(checked > 100)
    }
}
