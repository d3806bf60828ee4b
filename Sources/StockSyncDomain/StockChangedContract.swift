#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Why a message was refused; `reason` is written to the dead-letter headers.
package struct ContractViolation: Error, Hashable, Sendable, CustomStringConvertible {
    package let reason: String

    package init(_ reason: String) {
        self.reason = reason
    }

    package var description: String { reason }
}

/// The `stock-changed/1` message contract (`Schemas/messages/stock-changed.schema.json`).
package enum StockChangedContract {
    package static let schema = "stock-changed/1"
    /// Shopify refuses quantities above 1,000,000,000; nothing real is larger.
    package static let maximumQuantity = AvailabilityCalculator.maximumQuantity
    /// PostgreSQL `text` and Shopify's SKU field both cap what is sensible here.
    package static let maximumIdentifierBytes = 255

    /// The message's members, read with the contract's type rules. The schema gives no field
    /// a `null` type, so `null` is refused rather than read as absent: a `"version": null`
    /// taken as absent would make an adjustment silently unsequenced.
    private struct Wire {
        let object: FlatJSONObject

        func string(_ field: String) throws(ContractViolation) -> String? {
            switch object[field] {
            case nil: return nil
            case .string(let value)?: return value
            case .null?: throw ContractViolation("field `\(field)` must be a string, not null")
            default: throw ContractViolation("field `\(field)` must be a string")
            }
        }

        func integer(_ field: String) throws(ContractViolation) -> Int? {
            switch object[field] {
            case nil: return nil
            case .integer(let value)?: return value
            case .null?: throw ContractViolation("field `\(field)` must be an integer, not null")
            case .nonInteger?: throw ContractViolation("field `\(field)` must be an integer within 64 bits")
            default: throw ContractViolation("field `\(field)` must be an integer")
            }
        }

        /// Fields of the other kind have no meaning here; a message that names them, even as
        /// `null`, is confused (the schema's `not: required`).
        func forbid(_ fields: [String], in kind: String) throws(ContractViolation) {
            for field in fields where object[field] != nil {
                throw ContractViolation("field `\(field)` is not allowed in \(kind)")
            }
        }
    }

    package static func decode(_ body: some Collection<UInt8>) throws(ContractViolation) -> StockEvent {
        do {
            return try validate(Wire(object: FlatJSONObject(parsing: body)))
        } catch let error as FlatJSONObject.ParseError {
            switch error {
            case .invalidJSON: throw ContractViolation("body is not valid JSON")
            case .notAnObject: throw ContractViolation("body must be a JSON object")
            case .duplicateKey(let key): throw ContractViolation("field `\(key.prefix(64))` appears more than once")
            }
        } catch let violation as ContractViolation {
            throw violation
        } catch {
            throw ContractViolation("body does not match the contract")
        }
    }

    private static func validate(_ wire: Wire) throws(ContractViolation) -> StockEvent {
        guard let schema = try wire.string("schema") else { throw ContractViolation("missing field `schema`") }
        guard schema == Self.schema else {
            throw ContractViolation("unknown schema `\(schema.prefix(64))` (this worker reads `\(Self.schema)`)")
        }
        let eventID = try identifier(wire.string("event_id"), field: "event_id")
        let key = StockKey(
            sku: try identifier(wire.string("sku"), field: "sku"),
            warehouse: try identifier(wire.string("warehouse"), field: "warehouse")
        )
        guard let occurredText = try wire.string("occurred_at") else { throw ContractViolation("missing field `occurred_at`") }
        guard let occurredAt = Timestamp.parse(occurredText) else {
            throw ContractViolation("field `occurred_at` must be an RFC 3339 date-time with a time zone")
        }

        let change: StockEvent.Change
        switch try wire.string("kind") {
        case "snapshot":
            try wire.forbid(["on_hand_delta", "allocated_delta", "reserved_delta"], in: "a snapshot")
            let quantities = StockQuantities(
                onHand: try quantity(wire.integer("on_hand"), field: "on_hand"),
                allocated: try quantity(wire.integer("allocated"), field: "allocated"),
                reserved: try quantity(wire.integer("reserved"), field: "reserved")
            )
            guard let version = try wire.integer("version") else { throw ContractViolation("missing field `version`") }
            change = .snapshot(quantities, version: try positive(version, field: "version"))
        case "adjustment":
            try wire.forbid(["on_hand", "allocated", "reserved"], in: "an adjustment")
            guard let onHandDelta = try wire.integer("on_hand_delta") else {
                throw ContractViolation("missing field `on_hand_delta`")
            }
            let delta = StockQuantities(
                onHand: try self.delta(onHandDelta, field: "on_hand_delta"),
                allocated: try self.delta(wire.integer("allocated_delta") ?? 0, field: "allocated_delta"),
                reserved: try self.delta(wire.integer("reserved_delta") ?? 0, field: "reserved_delta")
            )
            let version = try wire.integer("version").map { v throws(ContractViolation) in try positive(v, field: "version") }
            change = .adjustment(delta, version: version)
        case "fulfilment":
            try wire.forbid(["on_hand", "allocated", "reserved", "on_hand_delta", "allocated_delta", "reserved_delta"],
                            in: "a fulfilment")
            let line = OrderLineKey(shop: try identifier(wire.string("shop"), field: "shop"),
                                    orderID: try identifier(wire.string("order_id"), field: "order_id"),
                                    lineID: try identifier(wire.string("line_id"), field: "line_id"))
            let shipped = try positive(quantity(wire.integer("quantity"), field: "quantity"), field: "quantity")
            let version = try wire.integer("version").map { v throws(ContractViolation) in try positive(v, field: "version") }
            return StockEvent(eventID: eventID, key: key, occurredAt: occurredAt,
                              change: .adjustment(StockQuantities(onHand: -shipped, allocated: 0, reserved: 0), version: version),
                              fulfilment: StockEvent.Fulfilment(line: line, quantity: shipped))
        case nil:
            throw ContractViolation("missing field `kind`")
        case let other?:
            throw ContractViolation("field `kind` must be `snapshot`, `adjustment` or `fulfilment`, not `\(other.prefix(64))`")
        }
        return StockEvent(eventID: eventID, key: key, occurredAt: occurredAt, change: change)
    }

    private static func identifier(_ value: String?, field: String) throws(ContractViolation) -> String {
        guard let value else { throw ContractViolation("missing field `\(field)`") }
        guard !value.isEmpty else { throw ContractViolation("field `\(field)` is empty") }
        guard value.utf8.count <= maximumIdentifierBytes else {
            throw ContractViolation("field `\(field)` is longer than \(maximumIdentifierBytes) bytes of UTF-8")
        }
        guard !containsControlCharacter(value) else {
            throw ContractViolation("field `\(field)` contains a control character")
        }
        guard isNFC(value) else { throw ContractViolation("field `\(field)` \(notNFC)") }
        return value
    }

    /// A SKU Shopify gave, as an ERP SKU could match it: nil when absent, empty, or not in
    /// NFC (no ERP SKU has those bytes, yet in memory it would pass for the NFC spelling of
    /// one that does).
    package static func erpSKU(_ sku: String?) -> String? {
        guard let sku, !sku.isEmpty, isNFC(sku) else { return nil }
        return sku
    }

    package static let notNFC = "is not in Unicode NFC (two spellings of one identifier would be one in memory and two in the database)"

    /// Whether the text is in Unicode Normalization Form C. Swift compares strings by
    /// canonical equivalence, PostgreSQL (collation "C") by bytes: an NFC and an NFD spelling
    /// of one SKU would be one key to a worker and two rows to the database. Identifiers in
    /// NFC, the form nearly every system writes, are equal in both exactly when their bytes
    /// are, so only they are accepted.
    package static func isNFC(_ value: String) -> Bool {
        value.isNFC
    }

    /// PostgreSQL text cannot hold NUL, and no other control character is meant in an identifier.
    package static func containsControlCharacter(_ value: String) -> Bool {
        value.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
    }

    private static func quantity(_ value: Int?, field: String) throws(ContractViolation) -> Int {
        guard let value else { throw ContractViolation("missing field `\(field)`") }
        guard (0...maximumQuantity).contains(value) else {
            throw ContractViolation("field `\(field)` must be between 0 and \(maximumQuantity), not \(value)")
        }
        return value
    }

    private static func delta(_ value: Int, field: String) throws(ContractViolation) -> Int {
        guard (-maximumQuantity...maximumQuantity).contains(value) else {
            throw ContractViolation(
                "field `\(field)` must be between -\(maximumQuantity) and \(maximumQuantity), not \(value)")
        }
        return value
    }

    private static func positive(_ value: Int, field: String) throws(ContractViolation) -> Int {
        guard value >= 1 else { throw ContractViolation("field `\(field)` must be at least 1, not \(value)") }
        return value
    }

}

