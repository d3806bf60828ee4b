import GraphQL
import OrderedCollections

/// Shopify's calculated query cost: a scalar or enum field costs 0, an object 1 plus its
/// selections, a connection 2 plus `first`/`last` times the cost of one node, and a
/// mutation field 10. The requested cost is computed from the document before it runs;
/// the actual cost counts the nodes connections really returned.
struct QueryCostCalculator {
    static let mutationCost = 10
    let schema: GraphQLSchema
    let fragments: [String: FragmentDefinition]
    let variables: [String: Map]

    init(schema: GraphQLSchema, document: Document, variables: [String: Map]) {
        self.schema = schema
        var fragments: [String: FragmentDefinition] = [:]
        for case let fragment as FragmentDefinition in document.definitions { fragments[fragment.name.value] = fragment }
        self.fragments = fragments
        self.variables = variables
    }

    /// The requested cost of `operation`, or, with `data` (the operation's result), the actual cost.
    func cost(of operation: OperationDefinition, data: Map? = nil) -> Int {
        if operation.operation == .mutation {
            return fields(of: operation.selectionSet).count * Self.mutationCost
        }
        guard let root = schema.queryType else { return 0 }
        return cost(operation.selectionSet, on: root, data: data)
    }

    private func cost(_ selectionSet: SelectionSet, on type: any GraphQLNamedType, data: Map?) -> Int {
        guard let fieldMap = Self.fields(of: type) else { return 0 }
        var total = 0
        for field in fields(of: selectionSet) {
            guard let definition = fieldMap[field.name.value], let returned = getNamedType(type: definition.type),
                  let selections = field.selectionSet
            else { continue }
            let value = data.flatMap { Self.member($0, field.alias?.value ?? field.name.value) }
            if returned.name.hasSuffix("Connection") {
                total += connectionCost(field, selections, returned, value: value, present: data != nil)
            } else if let value, case .array(let elements) = value {
                total += 1 + (elements.map { cost(selections, on: returned, data: $0) }.max() ?? 0)
            } else if data == nil || (value != nil && value != .null) {
                total += 1 + cost(selections, on: returned, data: value)
            }
        }
        return total
    }

    private func connectionCost(_ field: Field, _ selections: SelectionSet, _ type: any GraphQLNamedType,
                                value: Map?, present: Bool) -> Int {
        guard let connectionFields = Self.fields(of: type),
              let nodeType = connectionFields["nodes"].flatMap({ getNamedType(type: $0.type) })
        else { return 2 }
        // Node selections may come through `nodes { … }` or `edges { node { … } }`.
        var nodeSelections: [SelectionSet] = []
        for member in fields(of: selections) {
            if member.name.value == "nodes", let set = member.selectionSet { nodeSelections.append(set) }
            if member.name.value == "edges", let set = member.selectionSet {
                for inner in fields(of: set) where inner.name.value == "node" {
                    if let nodeSet = inner.selectionSet { nodeSelections.append(nodeSet) }
                }
            }
        }
        if present {
            guard let value, value != .null else { return 0 }
            let nodes = Self.nodes(of: value, selections: selections)
            return 2 + nodes.reduce(0) { sum, node in
                sum + 1 + (nodeSelections.map { cost($0, on: nodeType, data: node) }.max() ?? 0)
            }
        }
        let size = integerArgument(field, "first") ?? integerArgument(field, "last") ?? 0
        return 2 + size * (1 + (nodeSelections.map { cost($0, on: nodeType, data: nil) }.max() ?? 0))
    }

    private static func nodes(of connection: Map, selections: SelectionSet) -> [Map] {
        guard case .dictionary(let members) = connection else { return [] }
        for (_, value) in members {
            guard case .array(let elements) = value else { continue }
            return elements.map { element in
                if case .dictionary(let edge) = element, let node = edge["node"] { return node }
                return element
            }
        }
        return []
    }

    private func integerArgument(_ field: Field, _ name: String) -> Int? {
        guard let argument = field.arguments.first(where: { $0.name.value == name }) else { return nil }
        if let literal = argument.value as? IntValue { return Int(literal.value) }
        if let variable = argument.value as? Variable, case .number(let number)? = variables[variable.name.value] {
            return number.intValue
        }
        return nil
    }

    /// The fields of a selection set, through fragments.
    private func fields(of selectionSet: SelectionSet) -> [Field] {
        selectionSet.selections.flatMap { selection -> [Field] in
            switch selection {
            case let field as Field: [field]
            case let inline as InlineFragment: fields(of: inline.selectionSet)
            case let spread as FragmentSpread: fragments[spread.name.value].map { fields(of: $0.selectionSet) } ?? []
            default: []
            }
        }
    }

    private static func fields(of type: any GraphQLNamedType) -> GraphQLFieldMap? {
        switch type {
        case let object as GraphQLObjectType: try? object.fields()
        case let interface as GraphQLInterfaceType: try? interface.fields()
        default: nil
        }
    }

    private static func member(_ map: Map, _ key: String) -> Map? {
        if case .dictionary(let members) = map { return members[key] }
        return nil
    }
}
