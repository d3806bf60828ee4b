import StockSyncDomain
import StockSyncPostgres
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The order tables (`Schemas/migrations/0004_orders.sql`): loads the `OrderBook` of a batch
/// under its locks and saves what the batch changed, in the caller's transaction.
package struct OrderStore {
    package let connection: PostgresConnection

    package init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// Records these deliveries' event ids; returns the ids not recorded before.
    package func recordEvents(_ messages: [OrderMessage]) throws(PostgresError) -> Set<String> {
        guard !messages.isEmpty else { return [] }
        let rows = try connection.query("""
            INSERT INTO order_webhook_events (event_id, shop, order_id, topic)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
            ON CONFLICT DO NOTHING RETURNING event_id
            """, [.strings(messages.map(\.eventID)), .strings(messages.map(\.shop)), .strings(messages.map(\.orderID)),
                  .strings(messages.map(\.topic))])
        return Set(try rows.decodeAll(as: String.self))
    }

    /// Serializes everything that changes these orders until the transaction ends; take
    /// before any SKU lock.
    package func lock(orders keys: some Collection<OrderKey>) throws {
        try AdvisoryLock.order.willTake(keys.map { "\($0.shop)\u{1F}\($0.orderID)" }, on: connection)
        try connection.query("""
            SELECT count(pg_advisory_xact_lock($3, key))
            FROM (SELECT DISTINCT hashtext(shop || chr(31) || order_id) AS key
                  FROM unnest($1::text[], $2::text[]) AS o(shop, order_id) ORDER BY key) AS keys
            """, [.strings(keys.map(\.shop)), .strings(keys.map(\.orderID)), .int(AdvisoryLock.order.namespace)])
    }

    /// The SKUs these orders' lines and reservations name: `lockAndLoad` locks them all.
    /// Call holding the orders' locks, so that the answer stays true.
    package func skus(of keys: some Collection<OrderKey>) throws(PostgresError) -> Set<String> {
        let rows = try connection.query("""
            SELECT l.sku FROM unnest($1::text[], $2::text[]) AS o(shop, order_id)
            JOIN order_lines l ON l.shop = o.shop AND l.order_id = o.order_id WHERE l.sku IS NOT NULL
            UNION
            SELECT r.sku FROM unnest($1::text[], $2::text[]) AS o(shop, order_id)
            JOIN order_reservations r ON r.shop = o.shop AND r.order_id = o.order_id
            """, [.strings(keys.map(\.shop)), .strings(keys.map(\.orderID))])
        return Set(try rows.decodeAll(as: String.self))
    }

    /// Lines of these orders whose Shopify location is recorded (they need no lookup).
    package func placedLines(of orders: some Collection<OrderKey>) throws(PostgresError) -> Set<OrderLineKey> {
        let rows = try connection.query("""
            SELECT l.shop, l.order_id, l.line_id FROM unnest($1::text[], $2::text[]) AS o(shop, order_id)
            JOIN order_lines l ON l.shop = o.shop AND l.order_id = o.order_id WHERE l.location IS NOT NULL
            """, [.strings(orders.map(\.shop)), .strings(orders.map(\.orderID))])
        return Set(try (0..<rows.count).map { row throws(PostgresError) in
            let (shop, orderID, lineID) = try rows.decode(row, as: (String, String, String).self)
            return OrderLineKey(shop: shop, orderID: orderID, lineID: lineID)
        })
    }

    /// The newest state recorded of each of these orders of `shop`, in brief, by order id;
    /// orders with none (unknown, or known only from a refund or a fulfilment) are left out.
    package func recordedSummaries(shop: String, orderIDs: [String]) throws(PostgresError) -> [String: OrderSummary] {
        let rows = try connection.query("""
            SELECT o.order_id, extract(epoch FROM o.updated_at)::float8, o.cancelled, l.line_id, l.state_quantity
            FROM shopify_orders o LEFT JOIN order_lines l ON l.shop = o.shop AND l.order_id = o.order_id
            WHERE o.shop = $1 AND o.order_id = ANY($2::text[]) AND o.updated_at IS NOT NULL
            """, [.string(shop), .strings(orderIDs)])
        var recorded: [String: OrderSummary] = [:]
        for row in 0..<rows.count {
            let (orderID, seconds, cancelled, lineID, quantity) = try rows.decode(row, as: (String, Double, Bool, String?, Int?).self)
            var summary = recorded[orderID] ?? OrderSummary(orderID: orderID, updatedAt: Date(timeIntervalSince1970: seconds),
                                                            cancelled: cancelled, currentQuantities: [:])
            if let lineID, let quantity { summary.currentQuantities?[lineID] = quantity }
            recorded[orderID] = summary
        }
        return recorded
    }

    /// The rows of an order table (aliased `t`) that belong to these orders.
    private func rows(of table: String, columns: String, orders shops: [String], _ ids: [String]) throws(PostgresError)
        -> PostgresRows {
        try connection.query("""
            SELECT \(columns)
            FROM unnest($1::text[], $2::text[]) AS o(shop, order_id)
            JOIN \(table) t ON t.shop = o.shop AND t.order_id = o.order_id
            """, [.strings(shops), .strings(ids)])
    }

    /// Locks these orders and the SKUs they touch (`skus` plus those recorded on their
    /// lines), then loads everything their reservations depend on.
    package func lockAndLoad(orders keys: Set<OrderKey>, skus: Set<String>) throws -> OrderBook {
        guard !keys.isEmpty else { return OrderBook() }
        try lock(orders: keys)
        let sorted = keys.sorted()
        let shops = sorted.map(\.shop), ids = sorted.map(\.orderID)
        var orders: [OrderKey: OrderRecord] = [:]
        var lines: [OrderLineKey: OrderLineRecord] = [:]
        var reservations: [OrderLineKey: [String: WarehouseReservation]] = [:]
        let orderRows = try rows(of: "shopify_orders", columns: """
            t.shop, t.order_id, t.name, extract(epoch FROM t.updated_at)::float8, t.cancelled,
            extract(epoch FROM t.triggered_at)::float8, t.archived
            """, orders: shops, ids)
        for row in 0..<orderRows.count {
            let (shop, orderID, name, updatedAt, cancelled, triggeredAt, archived) =
                try orderRows.decode(row, as: (String, String, String, Double?, Bool, Double?, Bool).self)
            orders[OrderKey(shop: shop, orderID: orderID)] = OrderRecord(
                name: name, updatedAt: updatedAt.map(Date.init(timeIntervalSince1970:)),
                triggeredAt: triggeredAt.map(Date.init(timeIntervalSince1970:)), cancelled: cancelled,
                archived: archived)
        }
        var touched = skus
        let lineRows = try rows(of: "order_lines", columns: """
            t.shop, t.order_id, t.line_id, t.sku, t.location, t.state_quantity, t.state_refunded, t.deducted
            """, orders: shops, ids)
        for row in 0..<lineRows.count {
            let (shop, orderID, lineID, sku, location, stateQuantity, stateRefunded, deducted) =
                try lineRows.decode(row, as: (String, String, String, String?, String?, Int, Int, Int).self)
            let record = OrderLineRecord(sku: sku, location: location,
                                         stateQuantity: stateQuantity, stateRefunded: stateRefunded,
                                         deducted: deducted)
            if let sku = record.sku { touched.insert(sku) }
            lines[OrderLineKey(shop: shop, orderID: orderID, lineID: lineID)] = record
        }
        let reservationRows = try rows(of: "order_reservations", columns: """
            t.shop, t.order_id, t.line_id, t.warehouse, t.sku, t.reserved, t.backordered, t.fulfilled
            """, orders: shops, ids)
        for row in 0..<reservationRows.count {
            let (shop, orderID, lineID, warehouse, sku, reserved, backordered, fulfilled) =
                try reservationRows.decode(row, as: (String, String, String, String, String, Int, Int, Int).self)
            let key = OrderLineKey(shop: shop, orderID: orderID, lineID: lineID)
            touched.insert(sku)
            reservations[key, default: [:]][warehouse] = WarehouseReservation(
                sku: sku, reserved: reserved, backordered: backordered, fulfilled: fulfilled)
        }
        let refundRows = try rows(of: "order_refund_lines", columns: """
            t.shop, t.refund_id, t.line_id, t.order_id, t.quantity, t.restock_type, t.location
            """, orders: shops, ids)
        var refundLines: [RefundLineKey: RefundLineRecord] = [:]
        for row in 0..<refundRows.count {
            let (shop, refundID, lineID, orderID, quantity, restockType, location) =
                try refundRows.decode(row, as: (String, String, String, String, Int, String, String?).self)
            refundLines[RefundLineKey(shop: shop, refundID: refundID, lineID: lineID)] = RefundLineRecord(
                orderID: orderID, quantity: quantity, restockType: restockType, location: location)
        }

        // The SKUs' locks, before reading what they guard: stock levels, ATS, expectations.
        try StockStore(connection: connection).lock(skus: touched)
        let shopSet = Array(Set(shops))
        let routeRows = try connection.query("""
            SELECT shop, location, warehouse FROM warehouse_locations WHERE shop = ANY($1::text[])
            ORDER BY shop, location, priority, warehouse
            """, [.strings(shopSet)])
        var routes: [ShopLocation: [String]] = [:]
        for row in 0..<routeRows.count {
            let (shop, location, warehouse) = try routeRows.decode(row, as: (String, String, String).self)
            routes[ShopLocation(shop: shop, location: location), default: []].append(warehouse)
        }
        let promisable = try StockStore(connection: connection).levels(skus: touched).mapValues(\.promisable)
        return OrderBook(orders: orders, lines: lines, reservations: reservations,
                         refundLines: refundLines, routes: routes, promisable: promisable)
    }

    /// Saves what the batch changed: orders, lines, refunds, reservations and the levels'
    /// order reservations, expectations, incidents, and the events into the outbox.
    package func save(_ book: OrderBook) throws(PostgresError) {
        let orders = book.changedOrders.sorted()
        if !orders.isEmpty {
            let records = orders.map { book.orders[$0]! }
            try connection.query("""
                INSERT INTO shopify_orders AS s (shop, order_id, name, updated_at, triggered_at, cancelled)
                SELECT shop, order_id, name, to_timestamp(updated), to_timestamp(triggered), cancelled
                FROM unnest($1::text[], $2::text[], $3::text[], $4::float8[], $5::float8[], $6::boolean[])
                     AS o(shop, order_id, name, updated, triggered, cancelled)
                ON CONFLICT (shop, order_id) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at,
                    triggered_at = excluded.triggered_at, cancelled = excluded.cancelled
                """, [.strings(orders.map(\.shop)), .strings(orders.map(\.orderID)), .strings(records.map(\.name)),
                      .optionalStrings(records.map { $0.updatedAt.map { $0.timeIntervalSince1970.description } }),
                      .optionalStrings(records.map { $0.triggeredAt.map { $0.timeIntervalSince1970.description } }),
                      .strings(records.map { $0.cancelled ? "true" : "false" })])
        }
        // Every order the batch concerned is touched now: retention counts from the last.
        let touched = book.orders.filter { !$0.value.archived }.keys.sorted()
        if !touched.isEmpty {
            try connection.query("""
                UPDATE shopify_orders s SET touched_at = now() FROM unnest($1::text[], $2::text[]) AS o(shop, order_id)
                WHERE s.shop = o.shop AND s.order_id = o.order_id
                """, [.strings(touched.map(\.shop)), .strings(touched.map(\.orderID))])
        }
        let lines = book.changedLines.sorted()
        if !lines.isEmpty {
            let records = lines.map { book.lines[$0]! }
            try connection.query("""
                INSERT INTO order_lines AS l (shop, order_id, line_id, sku, location, state_quantity, state_refunded, deducted)
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[],
                                     $7::bigint[], $8::bigint[])
                ON CONFLICT (shop, order_id, line_id) DO UPDATE SET sku = excluded.sku, location = excluded.location,
                    state_quantity = excluded.state_quantity, state_refunded = excluded.state_refunded,
                    deducted = excluded.deducted
                """, [.strings(lines.map(\.order.shop)), .strings(lines.map(\.order.orderID)), .strings(lines.map(\.lineID)),
                      .optionalStrings(records.map(\.sku)), .optionalStrings(records.map(\.location)),
                      .ints(records.map(\.stateQuantity)), .ints(records.map(\.stateRefunded)), .ints(records.map(\.deducted))])
        }
        let refunds = Array(book.newRefundLines)
        if !refunds.isEmpty {
            let records = refunds.map { book.refundLines[$0]! }
            try connection.query("""
                INSERT INTO order_refund_lines (shop, refund_id, line_id, order_id, quantity, restock_type, location)
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::text[], $7::text[])
                ON CONFLICT DO NOTHING
                """, [.strings(refunds.map(\.shop)), .strings(refunds.map(\.refundID)), .strings(refunds.map(\.lineID)),
                      .strings(records.map(\.orderID)), .ints(records.map(\.quantity)), .strings(records.map(\.restockType)),
                      .optionalStrings(records.map(\.location))])
        }
        try saveReservations(book)
        // Changing `expected` here could be overwritten by a push confirmed just after, so
        // Shopify's deductions and restocks go to the push side as pending (`PushStore.foldPending`).
        try PushStore(connection: connection).addPending(deducted: book.shopifyDeductions, restocked: book.shopifyRestocks)
        try saveIncidents(book.incidents)
        try closeIncidents(of: book.placedAtLast, kind: .noFulfilmentLocation)
        try ReservationOutboxStore(connection: connection).enqueue(book.events)
    }

    private func saveReservations(_ book: OrderBook) throws(PostgresError) {
        var keys: [OrderLineKey] = [], warehouses: [String] = [], values: [WarehouseReservation] = []
        for line in book.changedReservations.sorted() {
            for (warehouse, reservation) in book.reservations[line] ?? [:] {
                keys.append(line)
                warehouses.append(warehouse)
                values.append(reservation)
            }
        }
        if !keys.isEmpty {
            try connection.query("""
                INSERT INTO order_reservations AS r (shop, order_id, line_id, warehouse, sku, reserved, backordered, fulfilled)
                SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[],
                                     $7::bigint[], $8::bigint[])
                ON CONFLICT (shop, order_id, line_id, warehouse) DO UPDATE SET reserved = excluded.reserved,
                    backordered = excluded.backordered, fulfilled = excluded.fulfilled
                """, [.strings(keys.map(\.order.shop)), .strings(keys.map(\.order.orderID)), .strings(keys.map(\.lineID)),
                      .strings(warehouses), .strings(values.map(\.sku)), .ints(values.map(\.reserved)),
                      .ints(values.map(\.backordered)), .ints(values.map(\.fulfilled))])
        }
        try StockStore(connection: connection).addOrderReservations(book.reservedDeltas)
    }

    private func saveIncidents(_ incidents: [OrderIncident]) throws(PostgresError) {
        guard !incidents.isEmpty else { return }
        // One row per line and kind; a later batch's figure replaces the earlier one.
        struct Key: Hashable {
            var line: OrderLineKey
            var kind: OrderIncident.Kind
        }
        var latest: [Key: OrderIncident] = [:]
        for incident in incidents {
            latest[Key(line: incident.line, kind: incident.kind)] = incident
        }
        let rows = Array(latest.values)
        try connection.query("""
            INSERT INTO order_incidents AS i (shop, order_id, line_id, kind, sku, quantity, detail)
            SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[])
            ON CONFLICT (shop, order_id, line_id, kind) DO UPDATE SET quantity = excluded.quantity,
                detail = excluded.detail, sku = excluded.sku
            """, [.strings(rows.map(\.line.order.shop)), .strings(rows.map(\.line.order.orderID)),
                  .strings(rows.map(\.line.lineID)), .strings(rows.map(\.kind.rawValue)), .optionalStrings(rows.map(\.sku)),
                  .ints(rows.map(\.quantity)), .strings(rows.map(\.detail))])
    }

    private func closeIncidents(of lines: Set<OrderLineKey>, kind: OrderIncident.Kind) throws(PostgresError) {
        guard !lines.isEmpty else { return }
        try connection.query("""
            DELETE FROM order_incidents i USING unnest($1::text[], $2::text[], $3::text[]) AS l(shop, order_id, line_id)
            WHERE i.shop = l.shop AND i.order_id = l.order_id AND i.line_id = l.line_id AND i.kind = $4
            """, [.strings(lines.map(\.order.shop)), .strings(lines.map(\.order.orderID)), .strings(lines.map(\.lineID)),
                  .string(kind.rawValue)])
    }

    /// Lines recorded with no Shopify location (their look-up was refused or answered
    /// nothing) of orders not archived, of connected shops, oldest incident first: what the
    /// placement sweep asks again.
    package func unplacedLines(limit: Int) throws(PostgresError) -> [OrderKey: Set<String>] {
        let rows = try connection.query("""
            SELECT l.shop, l.order_id, l.line_id FROM order_incidents i
            JOIN order_lines l ON l.shop = i.shop AND l.order_id = i.order_id AND l.line_id = i.line_id
            JOIN shopify_orders o ON o.shop = l.shop AND o.order_id = l.order_id
            JOIN shops s ON s.shop = l.shop AND s.sealed_access_token IS NOT NULL
            WHERE i.kind = $1 AND l.location IS NULL AND NOT o.archived
            ORDER BY i.created_at LIMIT $2
            """, [.string(OrderIncident.Kind.noFulfilmentLocation.rawValue), .int(limit)])
        var lines: [OrderKey: Set<String>] = [:]
        for row in 0..<rows.count {
            let (shop, orderID, lineID) = try rows.decode(row, as: (String, String, String).self)
            lines[OrderKey(shop: shop, orderID: orderID), default: []].insert(lineID)
        }
        return lines
    }

    // MARK: Operators

    /// What the order tables hold, counted.
    package struct Totals: Sendable, Equatable {
        /// Orders recorded from a webhook (an order known only from a refund has no update time).
        package var orders: Int
        package var lines: Int
        /// Orders with a line placed at a location.
        package var placedOrders: Int
        /// Incidents other than backorders.
        package var incidents: Int
        package var backorderedLines: Int
    }

    /// Orders recorded from a webhook: `Totals.orders` alone, cheap enough to poll.
    package func recordedOrders() throws(PostgresError) -> Int {
        try connection.query("SELECT count(*) FROM shopify_orders WHERE updated_at IS NOT NULL").decode(0, as: Int.self)
    }

    package func totals() throws(PostgresError) -> Totals {
        let (orders, lines, placed, incidents, backordered) = try connection.query("""
            SELECT (SELECT count(*) FROM shopify_orders WHERE updated_at IS NOT NULL),
                   (SELECT count(*) FROM order_lines),
                   (SELECT count(DISTINCT order_id) FROM order_lines WHERE location IS NOT NULL),
                   (SELECT count(*) FROM order_incidents WHERE kind <> 'backorder'),
                   (SELECT count(*) FROM order_incidents WHERE kind = 'backorder')
            """).decode(0, as: (Int, Int, Int, Int, Int).self)
        return Totals(orders: orders, lines: lines, placedOrders: placed, incidents: incidents, backorderedLines: backordered)
    }

    package struct IncidentRow: Sendable, Codable {
        package var shop: String
        package var orderID: String
        package var lineID: String
        package var kind: String
        package var sku: String?
        package var quantity: Int
        package var detail: String
        package var createdAt: String
    }

    package func incidents(shop: String?, limit: Int) throws(PostgresError) -> [IncidentRow] {
        let rows = try connection.query("""
            SELECT shop, order_id, line_id, kind, sku, quantity, detail, to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
            FROM order_incidents WHERE $1::text IS NULL OR shop = $1 ORDER BY created_at DESC, order_id, line_id LIMIT $2
            """, [shop.map(PostgresParameter.string) ?? .null, .int(limit)])
        return try (0..<rows.count).map { row throws(PostgresError) in
            let (shop, orderID, lineID, kind, sku, quantity, detail, createdAt) =
                try rows.decode(row, as: (String, String, String, String, String?, Int, String, String).self)
            return IncidentRow(shop: shop, orderID: orderID, lineID: lineID, kind: kind, sku: sku, quantity: quantity,
                               detail: detail, createdAt: createdAt)
        }
    }

    package struct ReservationRow: Sendable, Codable {
        package var lineID: String
        package var sku: String
        package var warehouse: String
        package var reserved: Int
        package var backordered: Int
        package var fulfilled: Int
    }

    package struct OrderReport: Sendable, Codable {
        package var shop: String
        package var orderID: String
        package var name: String
        package var cancelled: Bool
        package var reservations: [ReservationRow]
        package var incidents: [String]
    }

    package func report(shop: String, orderID: String) throws(PostgresError) -> OrderReport? {
        let order = try connection.query("SELECT name, cancelled FROM shopify_orders WHERE shop = $1 AND order_id = $2",
                                         [.string(shop), .string(orderID)])
        guard order.count == 1 else { return nil }
        let rows = try connection.query("""
            SELECT line_id, sku, warehouse, reserved, backordered, fulfilled FROM order_reservations
            WHERE shop = $1 AND order_id = $2 ORDER BY line_id, warehouse
            """, [.string(shop), .string(orderID)])
        let incidents = try connection.query("""
            SELECT line_id || ': ' || kind || ' (' || quantity || '): ' || detail FROM order_incidents
            WHERE shop = $1 AND order_id = $2 ORDER BY line_id, kind
            """, [.string(shop), .string(orderID)])
        let (name, cancelled) = try order.decode(0, as: (String, Bool).self)
        return OrderReport(
            shop: shop, orderID: orderID, name: name, cancelled: cancelled,
            reservations: try (0..<rows.count).map { row throws(PostgresError) in
                let (lineID, sku, warehouse, reserved, backordered, fulfilled) =
                    try rows.decode(row, as: (String, String, String, Int, Int, Int).self)
                return ReservationRow(lineID: lineID, sku: sku, warehouse: warehouse,
                                      reserved: reserved, backordered: backordered, fulfilled: fulfilled)
            },
            incidents: try incidents.decodeAll(as: String.self))
    }
}

/// A shop erased (Shopify's `shop/redact`).
extension OrderStore {
    /// The shop's reservations still holding units, as the events that release them.
    package func openReservations(shop: String) throws(PostgresError) -> [ReservationEvent] {
        let rows = try connection.query("""
            SELECT r.order_id, r.line_id, coalesce(o.name, ''), r.sku, r.warehouse, r.reserved, r.fulfilled
            FROM order_reservations r LEFT JOIN shopify_orders o ON o.shop = r.shop AND o.order_id = r.order_id
            WHERE r.shop = $1 AND r.reserved > 0 ORDER BY r.order_id, r.line_id, r.warehouse
            """, [.string(shop)])
        return try rows.decodeAll(as: (String, String, String, String, String, Int, Int).self).map {
            order, line, name, sku, warehouse, reserved, fulfilled in
            ReservationEvent(kind: .released, line: OrderLineKey(shop: shop, orderID: order, lineID: line), orderName: name,
                             sku: sku, warehouse: warehouse, reserved: 0, delta: -reserved, backordered: 0, fulfilled: fulfilled)
        }
    }

    /// Every order of the shop, with its lines, refunds, reservations, incidents and events.
    package func forget(shop: String) throws(PostgresError) {
        for table in ["order_reservations", "order_incidents", "order_refund_lines", "order_lines", "shopify_orders", "order_webhook_events"] {
            try connection.query("DELETE FROM \(table) WHERE shop = $1", [.string(shop)])
        }
    }
}
