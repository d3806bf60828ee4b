import ArgumentParser
import StockSyncStore

struct Orders: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Shopify orders as ERP reservations: one order's reservations, and lines that became incidents.",
        subcommands: [ShowOrder.self, Incidents.self])

    struct ShowOrder: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "An order's reservations per line and warehouse.")
        @Option var shop: String
        @Argument(help: "Shopify's numeric order id.") var order: String
        @Flag var json = false

        func run() throws {
            guard let report = try OrderStore(connection: Connect.database()).report(shop: shop, orderID: order) else {
                throw ValidationError("no order \(order) of \(shop) has reached the order-worker")
            }
            if json { return try printJSON(report) }
            print("order \(report.name) (\(report.orderID)) of \(report.shop)\(report.cancelled ? ", cancelled" : "")")
            var table = TextTable(header: ["LINE", "SKU", "WAREHOUSE", "RESERVED", "BACKORDERED", "FULFILLED"])
            table.rows = report.reservations.map {
                [$0.lineID, $0.sku, $0.warehouse, "\($0.reserved)", "\($0.backordered)", "\($0.fulfilled)"]
            }
            print(report.reservations.isEmpty ? "  no reservations" : table.render())
            for incident in report.incidents { print("  incident: \(incident)") }
        }
    }

    struct Incidents: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Order lines not reserved as asked: unknown SKU, unmapped location, no fulfilment location, backorder (oversold).")
        @Option(help: "Only this shop.") var shop: String?
        @Option(help: "Newest first, at most this many.") var limit = 50
        @Flag var json = false

        func run() throws {
            let incidents = try OrderStore(connection: Connect.database()).incidents(shop: shop, limit: limit)
            if json { return try printJSON(incidents) }
            guard !incidents.isEmpty else { return print("no incidents") }
            var table = TextTable(header: ["WHEN", "SHOP", "ORDER", "LINE", "KIND", "SKU", "UNITS", "DETAIL"])
            table.rows = incidents.map {
                [$0.createdAt, $0.shop, $0.orderID, $0.lineID, $0.kind, $0.sku ?? "-", "\($0.quantity)", $0.detail]
            }
            print(table.render())
        }
    }
}
