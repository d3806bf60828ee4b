import Foundation
import GraphQL
import OrderedCollections
import StockSyncDomain

/// What every resolver knows of the request it serves.
struct RequestContext: Sendable {
    let simulator: ShopifySimulator
    let shop: String
    let version: ShopifyAPIVersion
    /// Inside a bulk operation connections need no `first` and return everything.
    let bulk: Bool
    /// Where this simulator is reached, for URLs it hands out.
    let baseURL: String
}

/// The schema of one API version, built from `AdminSchema`, and the resolvers of the fields
/// that need arguments or the store (`OperationExecutor` runs them); every other field reads
/// its value by name from the object it belongs to.
enum SimulatorSchema {
    typealias Object = ShopifySimulator.Object
    typealias Resolver = @Sendable (Object, Map, RequestContext, FieldInfo) async throws -> (any Sendable)?
    /// By type name, then field name.
    typealias Resolvers = [String: [String: Resolver]]

    static func build(version: ShopifyAPIVersion) throws -> GraphQLSchema {
        let schema = try buildSchema(source: AdminSchema.sdl(for: version))
        try freezeFields(of: schema)
        return schema
    }

    static let resolvers: Resolvers = [
        "QueryRoot": [
            "inventoryItems": { _, args, context, _ in
                try await context.simulator.inventoryItems(context.shop, first: args["first"].int, after: args["after"].string,
                                                           query: args["query"].string, bulk: context.bulk)
            },
            "inventoryItem": { _, args, context, _ in
                try await context.simulator.inventoryItem(context.shop, id: args["id"].string ?? "")
            },
            "locations": { _, args, context, _ in
                try await context.simulator.locations(context.shop, first: args["first"].int, after: args["after"].string,
                                                      includeInactive: args["includeInactive"].bool ?? false,
                                                      bulk: context.bulk)
            },
            "location": { _, args, context, _ in
                try await context.simulator.location(context.shop, id: args["id"].string)
            },
            "order": { _, args, context, _ in
                try await context.simulator.order(context.shop, id: args["id"].string ?? "")
            },
            "orders": { _, args, context, _ in
                try await context.simulator.orders(context.shop, first: args["first"].int, after: args["after"].string,
                                                   query: args["query"].string, sortKey: args["sortKey"].string)
            },
            "fulfillmentOrder": { _, args, context, _ in
                try await context.simulator.fulfillmentOrder(context.shop, id: args["id"].string ?? "")
            },
            "currentBulkOperation": { _, _, context, _ in
                try await context.simulator.currentBulkOperation(context.shop, baseURL: context.baseURL)
            },
            "webhookSubscriptions": { _, args, context, _ in
                try await context.simulator.webhookSubscriptions(context.shop, first: args["first"].int, after: args["after"].string,
                                                                 topics: args["topics"].array?.compactMap(\.string))
            },
        ],
        "InventoryItem": [
            "inventoryLevels": { source, args, context, _ in
                try await context.simulator.inventoryLevels(context.shop, item: source["_item"] as! Int,
                                                            first: args["first"].int, after: args["after"].string,
                                                            bulk: context.bulk)
            },
            "inventoryLevel": { source, args, context, _ in
                try await context.simulator.inventoryLevel(context.shop, item: source["_item"] as! Int,
                                                           location: args["locationId"].string ?? "")
            },
        ],
        "Order": [
            "fulfillmentOrders": nestedConnection("fulfillmentOrders"), "lineItems": nestedConnection("lineItems"),
            "refunds": { source, args, _, _ in (source["refunds"] as? [Object]).map { Array($0.prefix(args["first"].int ?? $0.count)) } },
        ],
        "Refund": ["refundLineItems": nestedConnection("refundLineItems")],
        "FulfillmentOrder": ["lineItems": nestedConnection("lineItems")],
        "InventoryLevel": [
            "quantities": { source, args, _, _ in
                try quantities(of: source, names: (args["names"].array ?? []).map { $0.string ?? "" })
            },
        ],
        "InventoryAdjustmentGroup": [
            "changes": { source, _, _, _ in source["_changes"] ?? nil },
        ],
        "Mutation": [
            "inventorySetQuantities": { _, args, context, info in
                try await InventoryMutations.setQuantities(args["input"], context: context, info: info)
            },
            "inventoryAdjustQuantities": { _, args, context, info in
                try await InventoryMutations.adjustQuantities(args["input"], context: context, info: info)
            },
            "inventoryActivate": { _, args, context, _ in
                try await context.simulator.activate(context.shop, item: args["inventoryItemId"].string ?? "",
                                                     location: args["locationId"].string ?? "", available: args["available"].int)
            },
            "webhookSubscriptionCreate": { _, args, context, _ in
                try await context.simulator.createWebhookSubscription(
                    context.shop, topic: args["topic"].string ?? "", callbackURL: args["webhookSubscription"]["callbackUrl"].string,
                    format: args["webhookSubscription"]["format"].string ?? "JSON")
            },
            "bulkOperationRunQuery": { _, args, context, _ in
                try await context.simulator.runBulkQuery(context.shop, query: args["query"].string ?? "",
                                                         version: context.version, baseURL: context.baseURL)
            },
        ],
    ]

    /// A connection nested in its object, paged by `first`/`after`.
    private static func nestedConnection(_ field: String) -> Resolver {
        { source, args, context, _ in
            try (source[field] as? ShopifySimulator.NestedConnection)?
                .page(first: args["first"].int, after: args["after"].string, bulk: context.bulk)
        }
    }

    /// A type built from SDL derives its fields anew on every `fields()` call, and the cost
    /// calculator asks for them at every field of every query: each type keeps the map it
    /// derived once.
    private static func freezeFields(of schema: GraphQLSchema) throws {
        for type in schema.typeMap.values {
            if let object = type as? GraphQLObjectType {
                let fields = try object.fields()
                object.fields = { fields }
            } else if let interface = type as? GraphQLInterfaceType {
                let fields = try interface.fields()
                interface.fields = { fields }
            }
        }
    }

    /// `InventoryLevel.quantities(names:)` of a level object.
    static func quantities(of level: Object, names: [String]) throws -> [Object] {
        try names.map { name -> Object in
            let available = level["_available"] as! Int, onHand = level["_onHand"] as! Int
            let quantity: Int
            switch name {
            case "available": quantity = available
            case "on_hand": quantity = onHand
            case "committed": quantity = onHand - available
            case "damaged", "incoming", "quality_control", "reserved", "safety_stock": quantity = 0
            default: throw GraphQLError(message: "Invalid quantity name: \(name)")
            }
            return ["id": "\(level["id"] as! String)&name=\(name)", "name": name, "quantity": quantity]
        }
    }
}
