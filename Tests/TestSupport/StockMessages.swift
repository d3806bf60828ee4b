/// `stock-changed/1` messages as an ERP sends them, for the tests and the benchmarks.
package enum StockMessages {
    package static let occurredAt = "2026-11-28T06:00:00Z"

    package static func snapshot(id: String, sku: String, warehouse: String, version: Int, onHand: Int,
                                allocated: Int, reserved: Int, occurredAt: String = occurredAt) -> String {
        #"{"schema":"stock-changed/1","kind":"snapshot","event_id":"\#(id)","sku":"\#(sku)","warehouse":"\#(warehouse)","occurred_at":"\#(occurredAt)","version":\#(version),"on_hand":\#(onHand),"allocated":\#(allocated),"reserved":\#(reserved)}"#
    }

    package static func adjustment(id: String, sku: String, warehouse: String, onHandDelta: Int,
                                  version: Int?) -> String {
        let versionField = version.map { #","version":\#($0)"# } ?? ""
        return #"{"schema":"stock-changed/1","kind":"adjustment","event_id":"\#(id)","sku":"\#(sku)","warehouse":"\#(warehouse)","occurred_at":"\#(occurredAt)","on_hand_delta":\#(onHandDelta)\#(versionField)}"#
    }
}
