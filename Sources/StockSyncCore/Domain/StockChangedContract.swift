#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Why a message was refused; `reason` is written to the dead-letter headers.
public struct ContractViolation: Error, Hashable, Sendable, CustomStringConvertible {
    public let reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}

/// The `stock-changed/1` message contract (`Schemas/messages/stock-changed.schema.json`).
public enum StockChangedContract {
    public static let schema = "stock-changed/1"
    /// Shopify refuses quantities above 1,000,000,000; nothing real is larger.
    public static let maximumQuantity = 1_000_000_000
    /// PostgreSQL `text` and Shopify's SKU field both cap what is sensible here.
    public static let maximumIdentifierBytes = 255

    private struct Wire: Decodable {
        var schema: String?
        var kind: String?
        var event_id: String?
        var sku: String?
        var warehouse: String?
        var occurred_at: String?
        var version: WireInteger?
        var on_hand: WireInteger?
        var allocated: WireInteger?
        var reserved: WireInteger?
        var on_hand_delta: WireInteger?
        var allocated_delta: WireInteger?
        var reserved_delta: WireInteger?
    }

    /// An optional integer field. Foundation reports a fraction or a number beyond 64 bits
    /// as invalid JSON with no field named; this names the field.
    private struct WireInteger: Decodable {
        var value: Int

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            do {
                value = try container.decode(Int.self)
            } catch let error as DecodingError {
                throw error
            } catch {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an integer within 64 bits")
            }
        }
    }

    public static func decode(_ body: some Collection<UInt8>) throws(ContractViolation) -> StockEvent {
        let wire: Wire
        do {
            wire = try JSONDecoder().decode(Wire.self, from: Data(body))
        } catch let error as DecodingError {
            throw ContractViolation(describe(error))
        } catch {
            throw ContractViolation("body is not valid JSON")
        }
        return try validate(wire)
    }

    private static func validate(_ wire: Wire) throws(ContractViolation) -> StockEvent {
        guard let schema = wire.schema else { throw ContractViolation("missing field `schema`") }
        guard schema == Self.schema else {
            throw ContractViolation("unknown schema `\(schema.prefix(64))` (this worker reads `\(Self.schema)`)")
        }
        let eventID = try identifier(wire.event_id, field: "event_id")
        let key = StockKey(
            sku: try identifier(wire.sku, field: "sku"),
            warehouse: try identifier(wire.warehouse, field: "warehouse")
        )
        guard let occurredText = wire.occurred_at else { throw ContractViolation("missing field `occurred_at`") }
        guard let occurredAt = Timestamp.parse(occurredText) else {
            throw ContractViolation("field `occurred_at` must be an RFC 3339 date-time with a time zone")
        }

        let change: StockEvent.Change
        switch wire.kind {
        case "snapshot":
            try forbid(["on_hand_delta": wire.on_hand_delta?.value, "allocated_delta": wire.allocated_delta?.value,
                        "reserved_delta": wire.reserved_delta?.value], in: "a snapshot")
            let quantities = StockQuantities(
                onHand: try quantity(wire.on_hand?.value, field: "on_hand"),
                allocated: try quantity(wire.allocated?.value, field: "allocated"),
                reserved: try quantity(wire.reserved?.value, field: "reserved")
            )
            guard let version = wire.version?.value else { throw ContractViolation("missing field `version`") }
            change = .snapshot(quantities, version: try positive(version, field: "version"))
        case "adjustment":
            try forbid(["on_hand": wire.on_hand?.value, "allocated": wire.allocated?.value, "reserved": wire.reserved?.value],
                       in: "an adjustment")
            guard let onHandDelta = wire.on_hand_delta?.value else {
                throw ContractViolation("missing field `on_hand_delta`")
            }
            let delta = StockQuantities(
                onHand: try self.delta(onHandDelta, field: "on_hand_delta"),
                allocated: try self.delta(wire.allocated_delta?.value ?? 0, field: "allocated_delta"),
                reserved: try self.delta(wire.reserved_delta?.value ?? 0, field: "reserved_delta")
            )
            let version = try wire.version.map { v throws(ContractViolation) in try positive(v.value, field: "version") }
            change = .adjustment(delta, version: version)
        case nil:
            throw ContractViolation("missing field `kind`")
        case let other?:
            throw ContractViolation("field `kind` must be `snapshot` or `adjustment`, not `\(other.prefix(64))`")
        }
        return StockEvent(eventID: eventID, key: key, occurredAt: occurredAt, change: change)
    }

    private static func identifier(_ value: String?, field: String) throws(ContractViolation) -> String {
        guard let value else { throw ContractViolation("missing field `\(field)`") }
        guard !value.isEmpty else { throw ContractViolation("field `\(field)` is empty") }
        guard value.utf8.count <= maximumIdentifierBytes else {
            throw ContractViolation("field `\(field)` is longer than \(maximumIdentifierBytes) bytes of UTF-8")
        }
        // PostgreSQL text cannot hold NUL; other control characters are never intended.
        guard !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else {
            throw ContractViolation("field `\(field)` contains a control character")
        }
        return value
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

    private static func forbid(_ fields: KeyValuePairs<String, Int?>, in kind: String) throws(ContractViolation) {
        for (name, value) in fields where value != nil {
            throw ContractViolation("field `\(name)` is not allowed in \(kind)")
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map(\.stringValue).joined(separator: ".")
        }
        switch error {
        case .typeMismatch(let type, let context):
            let expected = type == String.self ? "a string" : (type == Int.self ? "an integer" : "\(type)")
            return context.codingPath.isEmpty
                ? "body must be a JSON object"
                : "field `\(path(context))` must be \(expected)"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return "body is not valid JSON" }
            return "field `\(path(context))` must be an integer within 64 bits"
        case .keyNotFound(let key, _):
            return "missing field `\(key.stringValue)`"
        case .valueNotFound(_, let context):
            return "field `\(path(context))` is null"
        @unknown default:
            return "body does not match the contract"
        }
    }
}

