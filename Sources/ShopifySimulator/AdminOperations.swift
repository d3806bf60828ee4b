import Foundation
import GraphQL
import OrderedCollections
import StockSyncDomain

/// What the simulator's resolvers ask of a store: reads return GraphQL-shaped values
/// (dictionaries by field name), writes validate everything before changing anything.
extension ShopifySimulator {
    typealias Object = [String: any Sendable]

    static func connection(_ nodes: [Object], cursors: [String], hasNextPage: Bool, hasPreviousPage: Bool) -> Object {
        [
            "edges": zip(cursors, nodes).map { ["cursor": $0, "node": $1] as Object },
            "nodes": nodes,
            "pageInfo": [
                "hasNextPage": hasNextPage, "hasPreviousPage": hasPreviousPage,
                "startCursor": cursors.first as (any Sendable)?, "endCursor": cursors.last as (any Sendable)?,
            ] as Object,
        ]
    }

    /// The page `first`/`after` selects from `ids`, or all of them in a bulk operation.
    static func page(_ ids: [Int], first: Int?, after: String?, bulk: Bool) throws -> (ids: [Int], more: Bool, previous: Bool) {
        let start = after.flatMap { cursor in Int(cursor).flatMap { id in ids.firstIndex { $0 > id } ?? ids.count } } ?? 0
        if bulk && first == nil { return (Array(ids[start...]), false, start > 0) }
        guard let first else { throw GraphQLError(message: "you must provide one of first or last") }
        guard (0...250).contains(first) else {
            throw GraphQLError(message: "The maximum number of records that can be returned is 250")
        }
        let end = min(ids.count, start + first)
        return (Array(ids[start..<end]), end < ids.count, start > 0)
    }

    /// A connection nested in an object (an order's fulfillment orders, their lines): its
    /// resolver pages it by `first`/`after`, as Shopify pages every connection.
    struct NestedConnection: Sendable {
        let ids: [Int]
        let nodes: [Object]

        func page(first: Int?, after: String?, bulk: Bool) throws -> Object {
            let byID = Dictionary(uniqueKeysWithValues: zip(ids, nodes))
            let page = try ShopifySimulator.page(ids, first: first, after: after, bulk: bulk)
            return ShopifySimulator.connection(page.ids.compactMap { byID[$0] }, cursors: page.ids.map(String.init),
                                               hasNextPage: page.more, hasPreviousPage: page.previous)
        }
    }

    static func itemObject(_ item: SimulatedShop.Item) -> Object {
        var object: Object = ["id": Gid.item(item.id), "legacyResourceId": String(item.id), "tracked": true, "_item": item.id]
        if let sku = item.sku { object["sku"] = sku }
        return object
    }

    static func locationObject(_ location: SimulatedShop.Location) -> Object {
        ["id": Gid.location(location.id), "legacyResourceId": String(location.id), "name": location.name,
         "isActive": location.isActive]
    }

    static func levelObject(_ shop: SimulatedShop, _ key: SimulatedShop.LevelKey) -> Object? {
        guard let quantities = shop.levels[key], let item = shop.items[key.item], let location = shop.locations[key.location]
        else { return nil }
        return ["id": Gid.level(item: key.item, location: key.location), "item": Self.itemObject(item),
                "location": Self.locationObject(location), "_available": quantities.available, "_onHand": quantities.onHand]
    }

    // MARK: Queries

    func inventoryItems(_ domain: String, first: Int?, after: String?, query: String?, bulk: Bool) throws -> Object {
        let shop = try shop(domain)
        let filter = try query.map(SearchQuery.init)
        let matching = shop.itemOrder.filter { id in filter?.matches(id: id, sku: shop.items[id]?.sku) ?? true }
        let page = try Self.page(matching, first: first, after: after, bulk: bulk)
        return Self.connection(page.ids.compactMap { shop.items[$0].map(Self.itemObject) }, cursors: page.ids.map(String.init),
                               hasNextPage: page.more, hasPreviousPage: page.previous)
    }

    func inventoryItem(_ domain: String, id: String) throws -> Object? {
        let shop = try shop(domain)
        return Gid.number(id, type: "InventoryItem").flatMap { shop.items[$0] }.map(Self.itemObject)
    }

    func inventoryLevels(_ domain: String, item: Int, first: Int?, after: String?, bulk: Bool) throws -> Object {
        let shop = try shop(domain)
        let locations = shop.locations.keys.sorted().filter { shop.levels[.init(item: item, location: $0)] != nil }
        let page = try Self.page(locations, first: first, after: after, bulk: bulk)
        return Self.connection(page.ids.compactMap { Self.levelObject(shop, .init(item: item, location: $0)) },
                               cursors: page.ids.map(String.init), hasNextPage: page.more, hasPreviousPage: page.previous)
    }

    func inventoryLevel(_ domain: String, item: Int, location: String) throws -> Object? {
        let shop = try shop(domain)
        return Gid.number(location, type: "Location").flatMap { Self.levelObject(shop, .init(item: item, location: $0)) }
    }

    func locations(_ domain: String, first: Int?, after: String?, includeInactive: Bool, bulk: Bool) throws -> Object {
        let shop = try shop(domain)
        let ids = shop.locations.keys.sorted().filter { includeInactive || shop.locations[$0]!.isActive }
        let page = try Self.page(ids, first: first, after: after, bulk: bulk)
        return Self.connection(page.ids.map { Self.locationObject(shop.locations[$0]!) }, cursors: page.ids.map(String.init),
                               hasNextPage: page.more, hasPreviousPage: page.previous)
    }

    func location(_ domain: String, id: String?) throws -> Object? {
        let shop = try shop(domain)
        return id.flatMap { Gid.number($0, type: "Location") }.flatMap { shop.locations[$0] }.map(Self.locationObject)
    }

    // MARK: Writes

    struct QuantityWrite {
        var item: String
        var location: String
        /// The new quantity (set) or the change (adjust).
        var value: Int
        /// nil: no check; present: the quantity Shopify must hold.
        var compare: Int?
        /// Name of the input field the compare value came from, for error paths.
        var compareField: String
    }

    /// `inventorySetQuantities` / `inventoryAdjustQuantities`: checks every quantity, then
    /// applies all of them or, if any is refused, none.
    func writeQuantities(_ domain: String, name: String, reason: String, referenceDocumentUri: String?,
                         listField: String, writes: [QuantityWrite], isDelta: Bool,
                         idempotency: (key: String, fingerprint: String)?) throws -> Object {
        let failing = Set(faults.failingSKUs)
        return try withShop(domain) { shop in
            if writes.contains(where: { write in
                Int(write.item.split(separator: "/").last ?? "").flatMap { shop.items[$0]?.sku }.map(failing.contains) ?? false
            }) {
                // Shopify's answer when executing the query failed on its side
                // (https://shopify.dev/docs/api/admin-graphql#status_and_error_codes): HTTP 200, no data.
                throw GraphQLError(message: "Internal error. Looks like something went wrong on our end.",
                                   extensions: ["code": "INTERNAL_SERVER_ERROR"])
            }
            if let idempotency, let earlier = shop.idempotency[idempotency.key] {
                if earlier.fingerprint == idempotency.fingerprint, let answer = earlier.answer as? Object { return answer }
                return Self.refusal([("IDEMPOTENCY_KEY_PARAMETER_MISMATCH", nil,
                                      "The idempotency key was already used with different parameters.")])
            }
            var errors: [(code: String, field: [String]?, message: String)] = []
            if name != "available" && name != "on_hand" {
                errors.append(("INVALID_NAME", ["input", "name"], "The quantity name must be either 'available' or 'on_hand'."))
            }
            if !Self.reasons.contains(reason) {
                errors.append(("INVALID_REASON", ["input", "reason"], "The specified reason is invalid."))
            }
            var keys: [SimulatedShop.LevelKey] = []
            var seen: Set<SimulatedShop.LevelKey> = []
            for (index, write) in writes.enumerated() {
                let path = ["input", listField, String(index)]
                guard let item = Gid.number(write.item, type: "InventoryItem"), shop.items[item] != nil else {
                    errors.append(("INVALID_INVENTORY_ITEM", path + ["inventoryItemId"], "The specified inventory item could not be found."))
                    continue
                }
                guard let location = Gid.number(write.location, type: "Location"), shop.locations[location] != nil else {
                    errors.append(("INVALID_LOCATION", path + ["locationId"], "The specified location could not be found."))
                    continue
                }
                let key = SimulatedShop.LevelKey(item: item, location: location)
                guard let level = shop.levels[key] else {
                    errors.append(("ITEM_NOT_STOCKED_AT_LOCATION", path + ["locationId"],
                                   "The specified inventory item is not stocked at the location."))
                    continue
                }
                guard seen.insert(key).inserted else {
                    errors.append(("NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR", path,
                                   "The combination of inventoryItemId and locationId must be unique."))
                    continue
                }
                let current = name == "available" ? level.available : level.onHand
                if let expected = write.compare, expected != current {
                    let code = write.compareField == "changeFromQuantity" ? "CHANGE_FROM_QUANTITY_STALE" : "COMPARE_QUANTITY_STALE"
                    errors.append((code, path + [write.compareField],
                                   "The specified compare quantity does not match the current quantity."))
                    continue
                }
                let after = isDelta ? current + write.value : write.value
                if after > 1_000_000_000 {
                    errors.append(("INVALID_QUANTITY_TOO_HIGH", path + [isDelta ? "delta" : "quantity"],
                                   "The quantity can't be higher than 1,000,000,000."))
                } else if after < -1_000_000_000 {
                    errors.append(("INVALID_QUANTITY_TOO_LOW", path + [isDelta ? "delta" : "quantity"],
                                   "The quantity can't be lower than -1,000,000,000."))
                }
                keys.append(key)
            }
            let answer: Object
            if !errors.isEmpty {
                answer = Self.refusal(errors)
            } else {
                var changes: [Object] = []
                for (key, write) in zip(keys, writes) {
                    let level = shop.levels[key]!
                    let before = name == "available" ? level.available : level.onHand
                    let after = isDelta ? before + write.value : write.value
                    if name == "available" {
                        shop.setAvailable(key, to: after, now: wallClock)
                    } else {
                        shop.levels[key]!.onHand = after
                        shop.levels[key]!.available = level.available + (after - before)
                    }
                    changes.append(["name": name, "delta": after - before, "quantityAfterChange": after,
                                    "item": Self.itemObject(shop.items[key.item]!),
                                    "location": Self.locationObject(shop.locations[key.location]!)])
                }
                var group: Object = ["id": Gid.adjustmentGroup(shop.newID()), "reason": reason,
                                     "createdAt": Date().formatted(.iso8601), "_changes": changes]
                if let referenceDocumentUri { group["referenceDocumentUri"] = referenceDocumentUri }
                answer = ["inventoryAdjustmentGroup": group, "userErrors": [Object]()]
            }
            if let idempotency { shop.idempotency[idempotency.key] = (idempotency.fingerprint, answer) }
            return answer
        }
    }

    static func refusal(_ errors: [(code: String, field: [String]?, message: String)]) -> Object {
        ["userErrors": errors.map { error -> Object in
            var object: Object = ["code": error.code, "message": error.message]
            if let field = error.field { object["field"] = field }
            return object
        }]
    }

    /// Shopify's documented reasons for inventory changes.
    static let reasons: Set<String> = [
        "correction", "cycle_count_available", "damaged", "movement_created", "movement_updated",
        "movement_received", "movement_canceled", "other", "promotion", "quality_control", "received",
        "reservation_created", "reservation_deleted", "reservation_updated", "restock", "safety_stock", "shrinkage",
    ]
}

/// The subset of Shopify's search syntax the simulator understands: `field:value` terms
/// joined by OR, values bare or double-quoted with backslash escapes; fields `sku` and `id`.
struct SearchQuery {
    private var skus: Set<String> = []
    private var ids: Set<Int> = []

    init(_ text: String) throws {
        var rest = Substring(text)
        while true {
            rest = rest.drop { $0 == " " }
            if rest.isEmpty { break }
            guard let colon = rest.firstIndex(of: ":") else { throw GraphQLError(message: "Invalid search query: \(text)") }
            let field = rest[..<colon]
            rest = rest[rest.index(after: colon)...]
            var value = ""
            if rest.first == "\"" {
                rest = rest.dropFirst()
                while let character = rest.first, character != "\"" {
                    rest = rest.dropFirst()
                    if character == "\\", let escaped = rest.first {
                        value.append(escaped)
                        rest = rest.dropFirst()
                    } else {
                        value.append(character)
                    }
                }
                rest = rest.dropFirst()
            } else {
                value = String(rest.prefix { $0 != " " })
                rest = rest.dropFirst(value.count)
            }
            switch field {
            case "sku": skus.insert(value)
            case "id": if let id = Int(value) ?? Gid.number(value, type: "InventoryItem") { ids.insert(id) }
            default: throw GraphQLError(message: "The simulator does not search by \(field)")
            }
            rest = rest.drop { $0 == " " }
            if rest.hasPrefix("OR ") { rest = rest.dropFirst(3) }
        }
    }

    func matches(id: Int, sku: String?) -> Bool {
        ids.contains(id) || sku.map(skus.contains) == true
    }
}
