import StockSyncDomain
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `reservation/1`, the body of a reservation event (`Schemas/messages/reservation.schema.json`).
/// The relay adds `sequence`, which grows with each change of a line.
struct ReservationEventBody: Encodable {
    let schema = "reservation/1"
    let event_id: String
    let event: String
    let occurred_at: String
    let shop: String
    let order_id: String
    let order_name: String
    let line_id: String
    let sku: String
    let warehouse: String
    let reserved: Int
    let delta: Int
    let backordered: Int
    let fulfilled: Int

    init(id: String, event: ReservationEvent, at time: Date) {
        event_id = id
        self.event = event.kind.rawValue
        occurred_at = time.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        shop = event.line.order.shop
        order_id = event.line.order.orderID
        order_name = event.orderName
        line_id = event.line.lineID
        sku = event.sku
        warehouse = event.warehouse
        reserved = event.reserved
        delta = event.delta
        backordered = event.backordered
        fulfilled = event.fulfilled
    }

    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }
}
