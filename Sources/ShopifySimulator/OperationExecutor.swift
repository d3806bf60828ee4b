import GraphQL
import OrderedCollections

/// What a resolver is told of the field it resolves.
struct FieldInfo: Sendable {
    let name: String
    let ast: Field
    /// The operation's variables, coerced to their declared types.
    let variables: [String: Map]
}

/// Runs one validated operation over the simulator's resolvers, field after field, by the
/// rules of the GraphQL specification's "Execution" section: fields collected through
/// fragments and `@skip`/`@include`, arguments and variables coerced to their declared
/// types, leaf values serialized by their type, and a field error nulling the nearest
/// nullable field above it (`data` itself when none is), reported once with its path.
///
/// GraphQLSwift's own executor runs every field and every list element as a child task; at
/// the size of the order-worker's 16-order query that scheduling was most of the
/// simulator's CPU, all of it spent standing in for Shopify beside the pipeline it measures.
struct OperationExecutor {
    typealias Object = ShopifySimulator.Object

    let schema: GraphQLSchema
    let resolvers: SimulatorSchema.Resolvers
    let fragments: [String: FragmentDefinition]
    let variables: [String: Map]
    let context: RequestContext
    private var errors: [GraphQLError] = []

    /// Executes `operation` of `document`; a variable that does not fit its type is a request
    /// error, reported without `data`.
    static func execute(_ operation: OperationDefinition, of document: Document, schema: GraphQLSchema,
                        resolvers: SimulatorSchema.Resolvers, variables: [String: Map],
                        context: RequestContext) async -> GraphQLResult {
        var fragments: [String: FragmentDefinition] = [:]
        for case let fragment as FragmentDefinition in document.definitions { fragments[fragment.name.value] = fragment }
        let root = operation.operation == .mutation ? schema.mutationType : schema.queryType
        guard let root else { return GraphQLResult(errors: [GraphQLError(message: "The schema has no such operation type.")]) }
        let coerced: [String: Map]
        do {
            coerced = try InputCoercion(schema: schema).variables(operation.variableDefinitions, from: variables)
        } catch {
            return GraphQLResult(errors: [error as? GraphQLError ?? GraphQLError(message: "\(error)")])
        }
        var executor = OperationExecutor(schema: schema, resolvers: resolvers, fragments: fragments,
                                         variables: coerced, context: context)
        let data = try? await executor.selections([operation.selectionSet], of: root, on: [:], path: [])
        return GraphQLResult(data: data.map(Map.dictionary) ?? .null, errors: executor.errors)
    }

    /// A field error already reported, on its way up to the nearest nullable field.
    private struct NullBubble: Error {}

    /// The values of selection sets (those of every field under one response key, merged).
    private mutating func selections(_ selectionSets: [SelectionSet], of type: GraphQLObjectType, on source: Object,
                                     path: IndexPath) async throws(NullBubble) -> OrderedDictionary<String, Map> {
        var result: OrderedDictionary<String, Map> = [:]
        for (key, fields) in collect(selectionSets, of: type) {
            result[key] = try await value(of: fields, in: type, on: source, path: path.appending(key))
        }
        return result
    }

    /// The fields of a selection set by response key, in order, through fragments.
    private func collect(_ selectionSets: [SelectionSet], of type: GraphQLObjectType) -> OrderedDictionary<String, [Field]> {
        var fields: OrderedDictionary<String, [Field]> = [:]
        var visited: Set<String> = []
        func walk(_ selectionSet: SelectionSet) {
            for selection in selectionSet.selections {
                switch selection {
                case let field as Field where included(field.directives):
                    fields[field.alias?.value ?? field.name.value, default: []].append(field)
                case let inline as InlineFragment where included(inline.directives):
                    if inline.typeCondition.map({ $0.name.value == type.name }) ?? true { walk(inline.selectionSet) }
                case let spread as FragmentSpread where included(spread.directives):
                    guard visited.insert(spread.name.value).inserted, let fragment = fragments[spread.name.value],
                          fragment.typeCondition.name.value == type.name
                    else { continue }
                    walk(fragment.selectionSet)
                default:
                    continue
                }
            }
        }
        selectionSets.forEach(walk)
        return fields
    }

    /// `@skip(if:)` and `@include(if:)`.
    private func included(_ directives: [Directive]) -> Bool {
        for directive in directives {
            let name = directive.name.value
            guard name == "skip" || name == "include",
                  let condition = directive.arguments.first(where: { $0.name.value == "if" }) else { continue }
            let value = (try? InputCoercion(schema: schema).literal(condition.value, as: GraphQLNonNull(GraphQLBoolean),
                                                                      variables: variables))?.bool ?? false
            if value == (name == "skip") { return false }
        }
        return true
    }

    private mutating func value(of fields: [Field], in type: GraphQLObjectType, on source: Object,
                                path: IndexPath) async throws(NullBubble) -> Map {
        let field = fields[0]
        let name = field.name.value
        if name == "__typename" { return .string(type.name) }
        guard let definition = (try? type.fields())?[name] else { return .null }  // validation rules this out
        do {
            let resolved: (any Sendable)?
            if let resolver = resolvers[type.name]?[name] {
                let arguments = try InputCoercion(schema: schema).arguments(field.arguments, of: definition,
                                                                             variables: variables)
                resolved = try await resolver(source, arguments, context,
                                              FieldInfo(name: name, ast: field, variables: variables))
            } else {
                resolved = source[name] ?? nil
            }
            return try await complete(resolved, as: definition.type, fields: fields, path: path,
                                      field: "\(type.name).\(name)")
        } catch is NullBubble {
            if definition.type is GraphQLNonNull { throw NullBubble() }
            return .null
        } catch {
            report(error, at: field, path: path)
            if definition.type is GraphQLNonNull { throw NullBubble() }
            return .null
        }
    }

    /// A field error, located at the field and its result path.
    private mutating func report(_ error: any Error, at field: Field, path: IndexPath) {
        let graphQLError = error as? GraphQLError
        errors.append(GraphQLError(message: graphQLError?.message ?? "\(error)", nodes: [field], path: path,
                                   extensions: graphQLError?.extensions ?? [:]))
    }

    /// `value` as `type` shows it; `field` names the field (`Type.name`) in errors.
    private mutating func complete(_ value: Any?, as type: any GraphQLOutputType, fields: [Field],
                                   path: IndexPath, field: String) async throws -> Map {
        if let nonNull = type as? GraphQLNonNull {
            let completed = try await complete(value, as: nonNull.ofType as! any GraphQLOutputType, fields: fields,
                                               path: path, field: field)
            guard completed != .null else { throw GraphQLError(message: "Cannot return null for non-nullable field \(field).") }
            return completed
        }
        guard let value = Self.opened(value) else { return .null }
        switch type {
        case let list as GraphQLList:
            guard let elements = value as? [Any] else {
                throw GraphQLError(message: "Expected a list for field \(field).")
            }
            var completed: [Map] = []
            completed.reserveCapacity(elements.count)
            for (index, element) in elements.enumerated() {
                let elementPath = path.appending(index)
                do {
                    completed.append(try await complete(element, as: list.ofType as! any GraphQLOutputType, fields: fields,
                                                        path: elementPath, field: field))
                } catch is NullBubble {
                    throw NullBubble()
                } catch {
                    report(error, at: fields[0], path: elementPath)
                    guard !(list.ofType is GraphQLNonNull) else { throw NullBubble() }
                    completed.append(.null)
                }
            }
            return .array(completed)
        case let scalar as GraphQLScalarType:
            return try Self.serialize(value, as: scalar)
        case let enumeration as GraphQLEnumType:
            return try enumeration.serialize(value: value)
        case let object as GraphQLObjectType:
            guard let source = value as? Object else {
                throw GraphQLError(message: "Expected an object for field \(field).")
            }
            return .dictionary(try await selections(fields.compactMap(\.selectionSet), of: object, on: source, path: path))
        default:
            throw GraphQLError(message: "The simulator does not serve abstract types.")
        }
    }

    /// `value` out of any optional it was boxed in: a `nil` stored in an object's
    /// `any Sendable` (a cursor of an empty page) is no value.
    private static func opened(_ value: Any?) -> Any? {
        guard let value else { return nil }
        guard let boxed = value as? any OptionalValue else { return value }
        return opened(boxed.wrapped)
    }

    /// The resolvers' plain values as the built-in scalars serialize them, without the
    /// reflection of the general path.
    private static func serialize(_ value: Any, as scalar: GraphQLScalarType) throws -> Map {
        switch (value, scalar.name) {
        case (let text as String, "Int"), (let text as String, "Boolean"), (let text as String, "Float"):
            throw GraphQLError(message: "\(scalar.name) cannot represent non-\(scalar.name) value: \"\(text)\"")
        case (let text as String, _): return .string(text)
        case (let number as Int, "ID"): return .string(String(number))
        case (let number as Int, _): return .number(Number(number))
        case (let flag as Bool, _): return .bool(flag)
        default: return try scalar.serialize(value: value)
        }
    }
}

/// An optional seen through `Any`.
private protocol OptionalValue {
    var wrapped: Any? { get }
}

extension Optional: OptionalValue {
    var wrapped: Any? { self }
}
