import GraphQL
import OrderedCollections

/// Shopify's calculated query cost: a scalar or enum field costs 0, an object 1 plus its
/// selections, a connection 2 plus `first`/`last` times the cost of one node, and a
/// mutation field 10; a field given a cost of its own (`fieldCosts`, by `Type.field`)
/// costs that instead of its 1 or 2. The requested cost is computed from the document before it runs;
/// the actual cost counts the nodes connections really returned.
///
/// The operation's shape is worked out once (`Plan`): the actual cost walks the result
/// with it, instead of walking the document again at every node of every connection.
struct QueryCostCalculator {
    static let mutationCost = 10

    /// What costs something in one selection set: its object and connection fields.
    final class Plan: Sendable {
        enum Kind {
            case object(Plan)
            /// `size`: `first` or `last`; `nodes`: the selections of one node, through
            /// `nodes { … }` and `edges { node { … } }`.
            case connection(size: Int, nodes: [Plan])
        }

        struct Member {
            let key: String
            /// The field's own cost: 1 for an object, 2 for a connection, unless set.
            let cost: Int
            let kind: Kind
        }

        let members: [Member]

        init(members: [Member]) {
            self.members = members
        }
    }

    private let isMutation: Bool
    private let mutationFields: Int
    private let plan: Plan

    init(schema: GraphQLSchema, document: Document, operation: OperationDefinition, variables: [String: Map],
         fieldCosts: [String: Int] = [:]) {
        var fragments: [String: FragmentDefinition] = [:]
        for case let fragment as FragmentDefinition in document.definitions { fragments[fragment.name.value] = fragment }
        let planner = Planner(fragments: fragments, variables: variables, fieldCosts: fieldCosts)
        isMutation = operation.operation == .mutation
        mutationFields = planner.fields(of: operation.selectionSet).count
        plan = schema.queryType.map { planner.plan(operation.selectionSet, on: $0) } ?? Plan(members: [])
    }

    /// The cost the operation asks for before it runs.
    var requested: Int {
        isMutation ? mutationFields * Self.mutationCost : Self.requested(plan)
    }

    /// The cost of what the operation returned (`data`); a mutation's, or an operation's that
    /// did not run, is what it requested.
    func actual(data: Map?) -> Int {
        guard !isMutation, let data else { return requested }
        return Self.actual(plan, data)
    }

    private static func requested(_ plan: Plan) -> Int {
        plan.members.reduce(0) { total, member in
            switch member.kind {
            case .object(let inner): total + member.cost + requested(inner)
            case .connection(let size, let nodes): total + member.cost + size * (1 + (nodes.map(requested).max() ?? 0))
            }
        }
    }

    private static func actual(_ plan: Plan, _ data: Map) -> Int {
        guard case .dictionary(let members) = data else { return 0 }
        var total = 0
        for member in plan.members {
            guard let value = members[member.key], value != .null else { continue }
            switch member.kind {
            case .object(let inner):
                if case .array(let elements) = value {
                    total += member.cost + (elements.map { actual(inner, $0) }.max() ?? 0)
                } else {
                    total += member.cost + actual(inner, value)
                }
            case .connection(_, let nodes):
                total += member.cost + Self.nodes(of: value).reduce(0) { sum, node in
                    sum + 1 + (nodes.map { actual($0, node) }.max() ?? 0)
                }
            }
        }
        return total
    }

    /// The nodes a connection returned, from `nodes` or `edges[].node`, whichever came first.
    private static func nodes(of connection: Map) -> [Map] {
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

    /// Works out plans from the document.
    private struct Planner {
        let fragments: [String: FragmentDefinition]
        let variables: [String: Map]
        let fieldCosts: [String: Int]

        func plan(_ selectionSet: SelectionSet, on type: any GraphQLNamedType) -> Plan {
            guard let fieldMap = Self.fields(of: type) else { return Plan(members: []) }
            var members: [Plan.Member] = []
            for field in fields(of: selectionSet) {
                guard let definition = fieldMap[field.name.value], let returned = getNamedType(type: definition.type),
                      let selections = field.selectionSet
                else { continue }
                let key = field.alias?.value ?? field.name.value
                let ownCost = fieldCosts["\(type.name).\(field.name.value)"]
                if returned.name.hasSuffix("Connection") {
                    members.append(Plan.Member(key: key, cost: ownCost ?? 2, kind: connection(field, selections, returned)))
                } else {
                    members.append(Plan.Member(key: key, cost: ownCost ?? 1, kind: .object(plan(selections, on: returned))))
                }
            }
            return Plan(members: members)
        }

        private func connection(_ field: Field, _ selections: SelectionSet, _ type: any GraphQLNamedType) -> Plan.Kind {
            let size = integerArgument(field, "first") ?? integerArgument(field, "last") ?? 0
            // Every connection of the schema has `nodes`; one without would cost a flat 2.
            guard let nodeType = Self.fields(of: type)?["nodes"].flatMap({ getNamedType(type: $0.type) }) else {
                return .connection(size: 0, nodes: [])
            }
            var nodeSelections: [SelectionSet] = []
            for member in fields(of: selections) {
                if member.name.value == "nodes", let set = member.selectionSet { nodeSelections.append(set) }
                if member.name.value == "edges", let set = member.selectionSet {
                    for inner in fields(of: set) where inner.name.value == "node" {
                        if let nodeSet = inner.selectionSet { nodeSelections.append(nodeSet) }
                    }
                }
            }
            return .connection(size: size, nodes: nodeSelections.map { plan($0, on: nodeType) })
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
        func fields(of selectionSet: SelectionSet) -> [Field] {
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
    }
}
