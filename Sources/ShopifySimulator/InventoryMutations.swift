import Foundation
import GraphQL
import OrderedCollections
import StockSyncDomain

/// Reads the inventory mutations' input the way each API version defines it.
enum InventoryMutations {
    static func setQuantities(_ input: Map, context: RequestContext, info: FieldInfo) async throws -> ShopifySimulator.Object {
        let version = context.version
        let ignoreCompare = input["ignoreCompareQuantity"].bool ?? false
        var writes: [ShopifySimulator.QuantityWrite] = []
        for (index, quantity) in (input["quantities"].array ?? []).enumerated() {
            let fields = quantity.dictionary ?? [:]
            var write = ShopifySimulator.QuantityWrite(
                item: fields["inventoryItemId"]?.string ?? "", location: fields["locationId"]?.string ?? "",
                value: fields["quantity"]?.int ?? 0, compare: nil, compareField: "compareQuantity")
            if version >= .changeFromQuantityIntroduced, let changeFrom = fields["changeFromQuantity"], !changeFrom.isUndefined {
                // Present, even as an explicit null (which skips the check), it wins.
                write.compare = changeFrom.int
                write.compareField = "changeFromQuantity"
            } else if version >= .changeFromQuantityRequired {
                throw GraphQLError(
                    message: "InventoryQuantityInput must include the following argument: changeFromQuantity",
                    extensions: ["code": "INVALID_FIELD_ARGUMENTS", "path": .array(["input", "quantities", .string(String(index))])])
            } else if !ignoreCompare {
                guard let compare = fields["compareQuantity"]?.int else {
                    return ShopifySimulator.refusal([("COMPARE_QUANTITY_REQUIRED", ["input", "quantities", String(index), "compareQuantity"],
                                                      "The compareQuantity argument must be given to each quantity or ignored using ignoreCompareQuantity.")])
                }
                write.compare = compare
            }
            writes.append(write)
        }
        return try await context.simulator.writeQuantities(
            context.shop, name: input["name"].string ?? "", reason: input["reason"].string ?? "",
            referenceDocumentUri: input["referenceDocumentUri"].string, listField: "quantities", writes: writes,
            isDelta: false, idempotency: try idempotency(input, context: context, info: info))
    }

    static func adjustQuantities(_ input: Map, context: RequestContext, info: FieldInfo) async throws -> ShopifySimulator.Object {
        var writes: [ShopifySimulator.QuantityWrite] = []
        for (index, change) in (input["changes"].array ?? []).enumerated() {
            let fields = change.dictionary ?? [:]
            var write = ShopifySimulator.QuantityWrite(
                item: fields["inventoryItemId"]?.string ?? "", location: fields["locationId"]?.string ?? "",
                value: fields["delta"]?.int ?? 0, compare: nil, compareField: "changeFromQuantity")
            if context.version >= .changeFromQuantityIntroduced, let changeFrom = fields["changeFromQuantity"],
               !changeFrom.isUndefined {
                write.compare = changeFrom.int
            } else if context.version >= .changeFromQuantityRequired {
                throw GraphQLError(
                    message: "InventoryChangeInput must include the following argument: changeFromQuantity",
                    extensions: ["code": "INVALID_FIELD_ARGUMENTS", "path": .array(["input", "changes", .string(String(index))])])
            }
            writes.append(write)
        }
        return try await context.simulator.writeQuantities(
            context.shop, name: input["name"].string ?? "", reason: input["reason"].string ?? "",
            referenceDocumentUri: input["referenceDocumentUri"].string, listField: "changes", writes: writes,
            isDelta: true, idempotency: try idempotency(input, context: context, info: info))
    }

    /// The `@idempotent(key:)` of the field being resolved, with a fingerprint of its input.
    /// From 2026-04 the directive is required on inventory mutations.
    private static func idempotency(_ input: Map, context: RequestContext, info: FieldInfo) throws
        -> (key: String, fingerprint: String)?
    {
        let directive = info.ast.directives.first { $0.name.value == "idempotent" }
        guard let argument = directive?.arguments.first(where: { $0.name.value == "key" }) else {
            if context.version >= .changeFromQuantityRequired {
                throw GraphQLError(message: "The @idempotent directive is required for this mutation but was not provided.",
                                   extensions: ["code": "BAD_REQUEST"])
            }
            return nil
        }
        let key: String?
        switch argument.value {
        case let literal as StringValue: key = literal.value
        case let variable as Variable: key = info.variables[variable.name.value]?.string
        default: key = nil
        }
        guard let key, !key.isEmpty else { throw GraphQLError(message: "The idempotency key must be a non-empty string.") }
        let fingerprint = (try? String(decoding: GraphQLJSONEncoder().encode(input), as: UTF8.self)) ?? input.description
        return (key, "\(info.name):\(fingerprint)")
    }
}

extension ShopifySimulator {
    /// `inventoryActivate` (https://shopify.dev/docs/api/admin-graphql/latest/mutations/inventoryActivate):
    /// stocks the item at the location with `available` (0 unless given); an item stocked there
    /// already is left as it is.
    func activate(_ domain: String, item itemID: String, location locationID: String, available: Int?) throws -> Object {
        try withShop(domain) { shop -> Object in
            guard let item = Gid.number(itemID, type: "InventoryItem"), shop.items[item] != nil else {
                return ["inventoryLevel": nil as (any Sendable)?, "userErrors": [["field": ["inventoryItemId"],
                                                                                  "message": "The product couldn't be stocked because the inventory item doesn't exist."] as Object]]
            }
            guard let location = Gid.number(locationID, type: "Location"), shop.locations[location]?.isActive == true else {
                return ["inventoryLevel": nil as (any Sendable)?, "userErrors": [["field": ["locationId"],
                                                                                  "message": "The location couldn't be found."] as Object]]
            }
            let key = SimulatedShop.LevelKey(item: item, location: location)
            if shop.levels[key] == nil {
                shop.levels[key] = .init(available: 0, onHand: 0)
                if let available { shop.setAvailable(key, to: available, now: wallClock) }
            }
            return ["inventoryLevel": Self.levelObject(shop, key), "userErrors": [Object]()]
        }
    }
}
