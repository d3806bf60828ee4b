import GraphQL
import OrderedCollections

/// Input values as the GraphQL specification coerces them ("Coercing Variable Values",
/// "Coercing Field Arguments"): variables from the request's JSON, arguments from the
/// document's literals and variables, each checked against its declared input type.
struct InputCoercion {
    let schema: GraphQLSchema

    /// The operation's variables from the request's `variables`, with their defaults.
    func variables(_ definitions: [VariableDefinition], from values: [String: Map]) throws -> [String: Map] {
        var coerced: [String: Map] = [:]
        for definition in definitions {
            let name = definition.variable.name.value
            guard let type = inputType(definition.type) else {
                throw GraphQLError(message: "Variable \"$\(name)\" expected value of unknown type.", nodes: [definition])
            }
            if let value = values[name], value != .undefined {
                do {
                    coerced[name] = try coerce(value, to: type)
                } catch {
                    throw GraphQLError(message: "Variable \"$\(name)\" got invalid value \(value); \(Self.reason(error))",
                                       nodes: [definition])
                }
            } else if let defaultValue = definition.defaultValue {
                coerced[name] = try literal(defaultValue, as: type, variables: [:])
            } else if type is GraphQLNonNull {
                throw GraphQLError(message: "Variable \"$\(name)\" of required type \"\(definition.type)\" was not provided.",
                                   nodes: [definition])
            }
        }
        return coerced
    }

    /// A field's arguments, from the document and the coerced variables.
    func arguments(_ asts: [Argument], of field: GraphQLField, variables: [String: Map]) throws -> Map {
        var coerced: OrderedDictionary<String, Map> = [:]
        for (name, argument) in field.args {
            let given = asts.first { $0.name.value == name }?.value
            // An argument given as a variable the request left out counts as not given.
            let unprovided = (given as? Variable).map { variables[$0.name.value] == nil } ?? false
            if let given, !unprovided {
                coerced[name] = try literal(given, as: argument.type, variables: variables)
            } else if let defaultValue = argument.defaultValue {
                coerced[name] = defaultValue
            } else if argument.type is GraphQLNonNull {
                throw GraphQLError(message: "Argument \"\(name)\" of required type \"\(argument.type)\" was not provided.")
            }
        }
        return .dictionary(coerced)
    }

    /// A document literal (or variable) as `type`.
    func literal(_ value: any Value, as type: any GraphQLInputType, variables: [String: Map]) throws -> Map {
        if let variable = value as? Variable {
            let coerced = variables[variable.name.value] ?? .null
            if type is GraphQLNonNull, coerced == .null {
                throw GraphQLError(message: "Variable \"$\(variable.name.value)\" must not be null.", nodes: [value])
            }
            return coerced
        }
        switch type {
        case let nonNull as GraphQLNonNull:
            guard !(value is NullValue) else { throw GraphQLError(message: "Expected a non-null value.", nodes: [value]) }
            return try literal(value, as: nonNull.ofType as! any GraphQLInputType, variables: variables)
        case _ where value is NullValue:
            return .null
        case let list as GraphQLList:
            let itemType = list.ofType as! any GraphQLInputType
            guard let items = value as? ListValue else { return .array([try literal(value, as: itemType, variables: variables)]) }
            return .array(try items.values.map { try literal($0, as: itemType, variables: variables) })
        case let object as GraphQLInputObjectType:
            guard let literal = value as? ObjectValue else {
                throw GraphQLError(message: "Expected an input object of type \(object.name).", nodes: [value])
            }
            var given: [String: any Value] = [:]
            for field in literal.fields { given[field.name.value] = field.value }
            return try inputObject(object) { name, type in
                try given[name].map { try self.literal($0, as: type, variables: variables) }
            }
        case let scalar as GraphQLScalarType:
            return try scalar.parseLiteral(valueAST: value)
        case let enumeration as GraphQLEnumType:
            return try enumeration.parseLiteral(valueAST: value)
        default:
            throw GraphQLError(message: "Unknown input type.", nodes: [value])
        }
    }

    /// A JSON value as `type`.
    func coerce(_ value: Map, to type: any GraphQLInputType) throws -> Map {
        switch type {
        case let nonNull as GraphQLNonNull:
            guard value != .null else { throw GraphQLError(message: "Expected non-nullable type \"\(type)\" not to be null.") }
            return try coerce(value, to: nonNull.ofType as! any GraphQLInputType)
        case _ where value == .null:
            return .null
        case let list as GraphQLList:
            let itemType = list.ofType as! any GraphQLInputType
            guard case .array(let items) = value else { return .array([try coerce(value, to: itemType)]) }
            return .array(try items.map { try coerce($0, to: itemType) })
        case let object as GraphQLInputObjectType:
            guard case .dictionary(let members) = value else {
                throw GraphQLError(message: "Expected type \"\(object.name)\" to be an object.")
            }
            let known = try object.fields()
            if let unknown = members.keys.first(where: { known[$0] == nil }) {
                throw GraphQLError(message: "Field \"\(unknown)\" is not defined by type \"\(object.name)\".")
            }
            return try inputObject(object) { name, type in try members[name].map { try coerce($0, to: type) } }
        case let scalar as GraphQLScalarType:
            return try scalar.parseValue(value: value)
        case let enumeration as GraphQLEnumType:
            return try enumeration.parseValue(value: value)
        default:
            throw GraphQLError(message: "Unknown input type.")
        }
    }

    /// An input object's fields, each given (`value` answers it) or defaulted.
    private func inputObject(_ type: GraphQLInputObjectType,
                             value: (String, any GraphQLInputType) throws -> Map?) throws -> Map {
        var coerced: OrderedDictionary<String, Map> = [:]
        for (name, field) in try type.fields() {
            if let given = try value(name, field.type) {
                coerced[name] = given
            } else if let defaultValue = field.defaultValue {
                coerced[name] = defaultValue
            } else if field.type is GraphQLNonNull {
                throw GraphQLError(message: "Field \"\(type.name).\(name)\" of required type \"\(field.type)\" was not provided.")
            }
        }
        return .dictionary(coerced)
    }

    private func inputType(_ ast: any Type) -> (any GraphQLInputType)? {
        switch ast {
        case let named as NamedType: schema.getType(name: named.name.value) as? any GraphQLInputType
        case let list as ListType: inputType(list.type).map { GraphQLList($0) }
        case let nonNull as NonNullType: inputType(nonNull.type).flatMap { $0 as? any GraphQLNullableType }.map { GraphQLNonNull($0) }
        default: nil
        }
    }

    private static func reason(_ error: any Error) -> String {
        (error as? GraphQLError)?.message ?? "\(error)"
    }
}
