import Foundation

/// A request to compare one shop's Shopify levels with the ERP (`reconcile-requested/1`,
/// `Schemas/messages/reconcile-requested.schema.json`).
public struct ReconcileRequest: Sendable, Equatable, Encodable {
    public enum Mode: String, Sendable, Codable {
        /// Record every discrepancy.
        case report
        /// Record them and send corrections through the push path.
        case heal
    }

    public static let schema = "reconcile-requested/1"
    public static let maximumSKUs = 10_000

    public var requestID: String
    public var shop: String
    public var mode: Mode
    /// Only these SKUs (read with ordinary queries); nil for the whole catalogue (a bulk operation).
    public var skus: [String]?

    public init(requestID: String, shop: String, mode: Mode, skus: [String]? = nil) {
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

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Self.schema, forKey: .schema)
        try container.encode(requestID, forKey: .requestID)
        try container.encode(shop, forKey: .shop)
        try container.encode(mode, forKey: .mode)
        try container.encodeIfPresent(skus, forKey: .skus)
    }

    public var body: [UInt8] { Array((try? JSONEncoder().encode(self)) ?? Data()) }

    /// Reads and validates a message; every refusal says which field and why.
    public static func decode(_ body: [UInt8]) throws(ContractViolation) -> ReconcileRequest {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
            throw ContractViolation("body is not a JSON object")
        }
        func string(_ field: String, maximumBytes: Int = StockChangedContract.maximumIdentifierBytes) throws(ContractViolation) -> String {
            guard let value = object[field] as? String else { throw ContractViolation("field `\(field)` must be a string") }
            guard !value.isEmpty, value.utf8.count <= maximumBytes else {
                throw ContractViolation("field `\(field)` must be 1 to \(maximumBytes) bytes")
            }
            return value
        }
        guard object["schema"] as? String == schema else {
            throw ContractViolation("unknown schema `\(object["schema"] as? String ?? "none")` (this worker reads `\(schema)`)")
        }
        let requestID = try string("request_id")
        let shop = try string("shop")
        guard shop.hasSuffix(".myshopify.com"), shop.utf8.allSatisfy({ $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-")
            || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
        else { throw ContractViolation("field `shop` must be a <name>.myshopify.com domain") }
        guard let mode = Mode(rawValue: try string("mode")) else {
            throw ContractViolation("field `mode` must be `report` or `heal`")
        }
        var skus: [String]?
        if let value = object["skus"], !(value is NSNull) {
            guard let list = value as? [Any], let texts = list as? [String] else {
                throw ContractViolation("field `skus` must be a list of strings")
            }
            guard (1...maximumSKUs).contains(texts.count) else {
                throw ContractViolation("field `skus` must hold 1 to \(maximumSKUs) SKUs")
            }
            guard texts.allSatisfy({ !$0.isEmpty && $0.utf8.count <= StockChangedContract.maximumIdentifierBytes }) else {
                throw ContractViolation("every SKU in `skus` must be 1 to \(StockChangedContract.maximumIdentifierBytes) bytes")
            }
            skus = texts
        }
        return ReconcileRequest(requestID: requestID, shop: shop, mode: mode, skus: skus)
    }
}

/// What a reconciliation finds at one level (or, for item-wide classes, one SKU).
public enum DiscrepancyClass: String, Sendable, Codable, CaseIterable {
    /// Both sides know the level; Shopify shows another quantity than the ERP says it should.
    case drift
    /// The SKU's item exists in Shopify but is not stocked at a location the ERP feeds.
    case missingInShopify = "missing_in_shopify"
    /// A Shopify item whose SKU the ERP does not have.
    case unknownToERP = "unknown_to_erp"
    /// An ERP SKU with no item in Shopify: it cannot be pushed.
    case unmapped
}
