#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A request to compare one shop's Shopify levels with the ERP (`reconcile-requested/1`,
/// `Schemas/messages/reconcile-requested.schema.json`).
package struct ReconcileRequest: Sendable, Equatable, Encodable {
    package enum Mode: String, Sendable, Codable {
        /// Record every discrepancy.
        case report
        /// Record them and send corrections through the push path.
        case heal
    }

    package static let schema = "reconcile-requested/1"
    package static let maximumSKUs = 10_000

    package var requestID: String
    package var shop: String
    package var mode: Mode
    /// Only these SKUs (read with ordinary queries); nil for the whole catalogue (a bulk operation).
    package var skus: [String]?

    package init(requestID: String, shop: String, mode: Mode, skus: [String]? = nil) {
        self.requestID = requestID
        self.shop = shop
        self.mode = mode
        self.skus = skus
    }

    enum CodingKeys: String, CodingKey {
        case schema
        case requestID = "request_id"
        case shop, mode, skus
    }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.schema, forKey: .schema)
        try container.encode(requestID, forKey: .requestID)
        try container.encode(shop, forKey: .shop)
        try container.encode(mode, forKey: .mode)
        try container.encodeIfPresent(skus, forKey: .skus)
    }

    package var body: [UInt8] { Array((try? JSONEncoder().encode(self)) ?? Data()) }

    /// Reads and validates a message; every refusal says which field and why.
    package static func decode(_ body: [UInt8]) throws(ContractViolation) -> ReconcileRequest {
        guard let wire = try? JSONDecoder().decode(Wire.self, from: Data(body)) else {
            throw ContractViolation("body is not a JSON object")
        }
        func string(_ field: Wire.Member<String>, _ name: String) throws(ContractViolation) -> String {
            guard case .value(let value) = field else { throw ContractViolation("field `\(name)` must be a string") }
            guard !value.isEmpty, value.utf8.count <= StockChangedContract.maximumIdentifierBytes else {
                throw ContractViolation("field `\(name)` must be 1 to \(StockChangedContract.maximumIdentifierBytes) bytes")
            }
            guard !StockChangedContract.containsControlCharacter(value) else { throw ContractViolation("field `\(name)` contains a control character") }
            guard StockChangedContract.isNFC(value) else { throw ContractViolation("field `\(name)` \(StockChangedContract.notNFC)") }
            return value
        }
        guard case .value(schema) = wire.schema else {
            let named = if case .value(let other) = wire.schema { other } else { "none" }
            throw ContractViolation("unknown schema `\(named)` (this worker reads `\(schema)`)")
        }
        let requestID = try string(wire.request_id, "request_id")
        let shop = try string(wire.shop, "shop")
        guard shop.hasSuffix(".myshopify.com"), shop.utf8.allSatisfy({ $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-")
            || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else { throw ContractViolation("field `shop` must be a <name>.myshopify.com domain") }
        guard let mode = Mode(rawValue: try string(wire.mode, "mode")) else {
            throw ContractViolation("field `mode` must be `report` or `heal`")
        }
        var skus: [String]?
        switch wire.skus {
        case .absent: break
        case .wrongType: throw ContractViolation("field `skus` must be a list of strings")
        case .value(let list):
            guard (1...maximumSKUs).contains(list.count) else {
                throw ContractViolation("field `skus` must hold 1 to \(maximumSKUs) SKUs")
            }
            guard list.allSatisfy({ !$0.isEmpty && $0.utf8.count <= StockChangedContract.maximumIdentifierBytes }) else {
                throw ContractViolation("every SKU in `skus` must be 1 to \(StockChangedContract.maximumIdentifierBytes) bytes")
            }
            guard !list.contains(where: StockChangedContract.containsControlCharacter) else {
                throw ContractViolation("a SKU in `skus` contains a control character")
            }
            guard list.allSatisfy(StockChangedContract.isNFC) else {
                throw ContractViolation("a SKU in `skus` \(StockChangedContract.notNFC)")
            }
            skus = list
        }
        return ReconcileRequest(requestID: requestID, shop: shop, mode: mode, skus: skus)
    }

    /// The message's members, each told apart as absent, of the wrong type (`null` included:
    /// the schema gives no field a null type), or a value.
    private struct Wire: Decodable {
        enum Member<T: Decodable>: Decodable {
            case absent, wrongType, value(T)

            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if container.decodeNil() {
                    self = .wrongType
                } else if let value = try? container.decode(T.self) {
                    self = .value(value)
                } else {
                    self = .wrongType
                }
            }
        }

        var schema: Member<String> = .absent
        var request_id: Member<String> = .absent
        var shop: Member<String> = .absent
        var mode: Member<String> = .absent
        var skus: Member<[String]> = .absent

        enum CodingKeys: String, CodingKey { case schema, request_id, shop, mode, skus }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            // Not `decodeIfPresent`, which reads a null member as an absent one.
            func member<T>(_ key: CodingKeys) throws -> Member<T> {
                container.contains(key) ? try container.decode(Member<T>.self, forKey: key) : .absent
            }
            schema = try member(.schema)
            request_id = try member(.request_id)
            shop = try member(.shop)
            mode = try member(.mode)
            skus = try member(.skus)
        }
    }
}

/// What a reconciliation finds at one level (or, for item-wide classes, one SKU).
package enum DiscrepancyClass: String, Sendable, Codable, CaseIterable {
    /// Both sides know the level; Shopify shows another quantity than the ERP says it should.
    case drift
    /// The SKU's item exists in Shopify but is not stocked at a location the ERP feeds.
    case missingInShopify = "missing_in_shopify"
    /// A Shopify item whose SKU the ERP does not have.
    case unknownToERP = "unknown_to_erp"
    /// An ERP SKU with no item in Shopify: it cannot be pushed.
    case unmapped
}
