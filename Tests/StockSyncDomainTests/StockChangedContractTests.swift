import Foundation
import StockSyncDomain
import Testing

@Suite("stock-changed/1 contract")
struct StockChangedContractTests {
    /// Field → JSON text of its value.
    typealias Fields = [String: String]

    static let snapshot: Fields = [
        "schema": #""stock-changed/1""#, "kind": #""snapshot""#, "event_id": #""evt-1""#, "sku": #""TEE-BLK-M""#,
        "warehouse": #""WH-EAST""#, "occurred_at": #""2026-11-28T06:00:00Z""#, "version": "3",
        "on_hand": "10", "allocated": "2", "reserved": "1",
    ]
    static let adjustment: Fields = [
        "schema": #""stock-changed/1""#, "kind": #""adjustment""#, "event_id": #""evt-2""#, "sku": #""TEE-BLK-M""#,
        "warehouse": #""WH-EAST""#, "occurred_at": #""2026-11-28T06:00:00.250+02:00""#, "on_hand_delta": "-3",
    ]

    /// The message with `changes` applied: a JSON text sets a field, nil removes it.
    static func body(_ base: Fields, _ changes: [String: String?] = [:]) -> [UInt8] {
        var fields = base
        for (key, value) in changes { fields[key] = value }
        let members = fields.sorted { $0.key < $1.key }.map { "\"\($0.key)\":\($0.value)" }
        return Array("{\(members.joined(separator: ","))}".utf8)
    }

    static func json(_ string: String) -> String {
        String(decoding: try! JSONEncoder().encode(string), as: UTF8.self)
    }

    static func reason(_ bytes: [UInt8]) -> String? {
        do {
            _ = try StockChangedContract.decode(bytes)
            return nil
        } catch {
            return error.reason
        }
    }

    static let fulfilment: Fields = [
        "schema": #""stock-changed/1""#, "kind": #""fulfilment""#, "event_id": #""ship-1""#, "sku": #""TEE-BLK-M""#,
        "warehouse": #""WH-EAST""#, "occurred_at": #""2026-11-28T06:00:00Z""#, "shop": #""brand.myshopify.com""#,
        "order_id": #""820982911946154508""#, "line_id": #""466157049""#, "quantity": "2",
    ]

    @Test("a fulfilment lowers on_hand as an adjustment and names the order line it ships")
    func decodesFulfilment() throws {
        let event = try StockChangedContract.decode(Self.body(Self.fulfilment, ["version": "12"]))
        #expect(event.change == .adjustment(StockQuantities(onHand: -2, allocated: 0, reserved: 0), version: 12))
        #expect(event.fulfilment == StockEvent.Fulfilment(
            line: OrderLineKey(shop: "brand.myshopify.com", orderID: "820982911946154508", lineID: "466157049"), quantity: 2))
        #expect(try StockChangedContract.decode(Self.body(Self.adjustment)).fulfilment == nil)
    }

    @Test("a fulfilment without its order line or with a bad quantity is refused", arguments: [
        (["order_id": nil], "missing field `order_id`"),
        (["line_id": nil], "missing field `line_id`"),
        (["shop": "\"\""], "field `shop` is empty"),
        (["quantity": "0"], "field `quantity` must be at least 1, not 0"),
        (["quantity": nil], "missing field `quantity`"),
        (["on_hand_delta": "-2"], "field `on_hand_delta` is not allowed in a fulfilment"),
    ] as [([String: String?], String)])
    func refusesBadFulfilment(changes: [String: String?], reason: String) {
        #expect(Self.reason(Self.body(Self.fulfilment, changes)) == reason)
    }

    @Test func decodesSnapshot() throws {
        let event = try StockChangedContract.decode(Self.body(Self.snapshot))
        #expect(event.eventID == "evt-1")
        #expect(event.key == StockKey(sku: "TEE-BLK-M", warehouse: "WH-EAST"))
        #expect(event.change == .snapshot(StockQuantities(onHand: 10, allocated: 2, reserved: 1), version: 3))
        #expect(event.occurredAt == Date(timeIntervalSince1970: 1_795_845_600))
    }

    @Test func decodesAdjustmentWithDefaultsAndOffsetTime() throws {
        let event = try StockChangedContract.decode(Self.body(Self.adjustment))
        #expect(event.change == .adjustment(StockQuantities(onHand: -3, allocated: 0, reserved: 0), version: nil))
        #expect(event.occurredAt == Date(timeIntervalSince1970: 1_795_845_600 - 7_200 + 0.25))
    }

    @Test func decodesSequencedAdjustment() throws {
        let event = try StockChangedContract.decode(Self.body(Self.adjustment, [
            "version": "9", "allocated_delta": "4", "reserved_delta": "-2",
        ]))
        #expect(event.change == .adjustment(StockQuantities(onHand: -3, allocated: 4, reserved: -2), version: 9))
    }

    @Test func acceptsUnicodeSKUsUpTo255Bytes() throws {
        let sku = String(repeating: "é", count: 127) + "x"  // 255 bytes
        let event = try StockChangedContract.decode(Self.body(Self.snapshot, ["sku": Self.json(sku)]))
        #expect(event.key.sku == sku)
        #expect(Self.reason(Self.body(Self.snapshot, ["sku": Self.json(sku + "x")]))
            == "field `sku` is longer than 255 bytes of UTF-8")
    }

    @Test(arguments: [
        ("not json", "body is not valid JSON"),
        ("[1,2]", "body must be a JSON object"),
        ("", "body is not valid JSON"),
    ])
    func refusesBodiesThatAreNotObjects(body: String, reason: String) {
        #expect(Self.reason(Array(body.utf8)) == reason)
    }

    @Test(arguments: ["schema", "kind", "event_id", "sku", "warehouse", "occurred_at", "version", "on_hand",
                      "allocated", "reserved"])
    func refusesSnapshotWithoutField(field: String) {
        #expect(Self.reason(Self.body(Self.snapshot, [field: nil])) == "missing field `\(field)`")
    }

    @Test(arguments: ["schema", "kind", "event_id", "sku", "warehouse", "occurred_at", "on_hand_delta"])
    func refusesAdjustmentWithoutField(field: String) {
        #expect(Self.reason(Self.body(Self.adjustment, [field: nil])) == "missing field `\(field)`")
    }

    @Test("null is refused, never read as absent: the schema gives no field a null type", arguments: [
        (StockChangedContractTests.snapshot, "on_hand", "field `on_hand` must be an integer, not null"),
        (StockChangedContractTests.snapshot, "version", "field `version` must be an integer, not null"),
        (StockChangedContractTests.snapshot, "sku", "field `sku` must be a string, not null"),
        (StockChangedContractTests.snapshot, "on_hand_delta", "field `on_hand_delta` is not allowed in a snapshot"),
        (StockChangedContractTests.adjustment, "version", "field `version` must be an integer, not null"),
        (StockChangedContractTests.adjustment, "reserved_delta", "field `reserved_delta` must be an integer, not null"),
        (StockChangedContractTests.adjustment, "on_hand", "field `on_hand` is not allowed in an adjustment"),
    ])
    func refusesNull(base: Fields, field: String, reason: String) {
        #expect(Self.reason(Self.body(base, [field: "null"])) == reason)
    }

    @Test(arguments: [
        ("schema", #""stock-changed/2""#, "unknown schema `stock-changed/2` (this worker reads `stock-changed/1`)"),
        ("schema", "1", "field `schema` must be a string"),
        ("kind", #""transfer""#, "field `kind` must be `snapshot`, `adjustment` or `fulfilment`, not `transfer`"),
        ("event_id", #""""#, "field `event_id` is empty"),
        ("sku", #""""#, "field `sku` is empty"),
        ("sku", "42", "field `sku` must be a string"),
        ("sku", #""A\u0000B""#, "field `sku` contains a control character"),
        ("warehouse", #""WH\nEAST""#, "field `warehouse` contains a control character"),
        // "É" spelled as E and a combining acute accent (NFD): Swift takes it for "\u00C9", PostgreSQL does not.
        ("sku", #""TEE-E\u0301T\u0301E\u0301""#, "field `sku` \(StockChangedContract.notNFC)"),
        ("warehouse", #""E\u0301PINAL""#, "field `warehouse` \(StockChangedContract.notNFC)"),
        ("occurred_at", #""yesterday""#, "field `occurred_at` must be an RFC 3339 date-time with a time zone"),
        ("occurred_at", #""2026-11-28T06:00:00""#, "field `occurred_at` must be an RFC 3339 date-time with a time zone"),
        ("version", "0", "field `version` must be at least 1, not 0"),
        ("version", "-5", "field `version` must be at least 1, not -5"),
        ("version", "1.5", "field `version` must be an integer within 64 bits"),
        ("version", #""7""#, "field `version` must be an integer"),
        ("on_hand", "-1", "field `on_hand` must be between 0 and 1000000000, not -1"),
        ("on_hand", "1000000001", "field `on_hand` must be between 0 and 1000000000, not 1000000001"),
        ("allocated", "-2", "field `allocated` must be between 0 and 1000000000, not -2"),
        ("reserved", "2.5", "field `reserved` must be an integer within 64 bits"),
        ("reserved", "true", "field `reserved` must be an integer"),
        ("on_hand_delta", "4", "field `on_hand_delta` is not allowed in a snapshot"),
        ("reserved_delta", "4", "field `reserved_delta` is not allowed in a snapshot"),
    ])
    func refusesBadSnapshotValue(field: String, value: String, reason: String) {
        #expect(Self.reason(Self.body(Self.snapshot, [field: value])) == reason)
    }

    @Test("identifiers in NFC are taken as they are, accents and all")
    func acceptsNFC() {
        #expect(Self.reason(Self.body(Self.snapshot, ["sku": #""T\u00C9E-\u00C9T\u00C9""#, "warehouse": #""\u00C9PINAL""#])) == nil)
        #expect(Self.reason(Self.body(Self.snapshot, ["sku": #""\u6F22\u5B57-\uD83D\uDC55""#])) == nil)
    }

    @Test(arguments: [
        ("on_hand_delta", "-1000000001", "field `on_hand_delta` must be between -1000000000 and 1000000000, not -1000000001"),
        ("allocated_delta", "1000000001", "field `allocated_delta` must be between -1000000000 and 1000000000, not 1000000001"),
        ("reserved_delta", #""1""#, "field `reserved_delta` must be an integer"),
        ("on_hand", "3", "field `on_hand` is not allowed in an adjustment"),
        ("version", "0", "field `version` must be at least 1, not 0"),
    ])
    func refusesBadAdjustmentValue(field: String, value: String, reason: String) {
        #expect(Self.reason(Self.body(Self.adjustment, [field: value])) == reason)
    }

    @Test func refusesNumbersBeyond64Bits() {
        #expect(Self.reason(Self.body(Self.snapshot, ["version": "99999999999999999999"]))
            == "field `version` must be an integer within 64 bits")
    }

    @Test func ignoresUnknownFields() throws {
        _ = try StockChangedContract.decode(Self.body(Self.snapshot, ["source_system": #""netsuite""#]))
    }

    @Test func decodesEveryExampleInTheSchemaFolder() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Schemas/messages/examples").standardized
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasPrefix("stock-changed") }
        #expect(!files.isEmpty)
        for file in files {
            let body = try Data(contentsOf: folder.appendingPathComponent(file))
            let refusal = Self.reason(Array(body))
            if file.contains("invalid") {
                #expect(refusal != nil, "\(file) should be refused")
            } else {
                #expect(refusal == nil, "\(file): \(refusal ?? "")")
            }
        }
    }
}
