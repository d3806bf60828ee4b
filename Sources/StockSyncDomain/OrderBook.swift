#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

package struct OrderKey: Hashable, Sendable, Comparable {
    package var shop: String
    package var orderID: String

    package init(shop: String, orderID: String) {
        self.shop = shop
        self.orderID = orderID
    }

    package static func < (lhs: OrderKey, rhs: OrderKey) -> Bool { (lhs.shop, lhs.orderID) < (rhs.shop, rhs.orderID) }
}

package struct OrderLineKey: Hashable, Sendable, Comparable {
    package var order: OrderKey
    package var lineID: String

    package init(shop: String, orderID: String, lineID: String) {
        order = OrderKey(shop: shop, orderID: orderID)
        self.lineID = lineID
    }

    package static func < (lhs: OrderLineKey, rhs: OrderLineKey) -> Bool { (lhs.order, lhs.lineID) < (rhs.order, rhs.lineID) }
}

package struct OrderRecord: Sendable, Equatable {
    package var name: String
    /// `OrderState.updatedAt` and `triggeredAt` of the newest state applied; nil while the
    /// order is known only from a refund or a fulfilment.
    package var updatedAt: Date?
    package var triggeredAt: Date?
    package var cancelled: Bool
    /// Closed and untouched for the retention period: its lines and reservations are gone,
    /// and nothing more is applied to it (reserving its lines again would double them).
    package var archived: Bool

    package init(name: String = "", updatedAt: Date? = nil, triggeredAt: Date? = nil, cancelled: Bool = false,
                 archived: Bool = false) {
        self.name = name
        self.updatedAt = updatedAt
        self.triggeredAt = triggeredAt
        self.cancelled = cancelled
        self.archived = archived
    }
}

package struct OrderLineRecord: Sendable, Equatable {
    package var sku: String?
    /// The Shopify location whose stock Shopify deducted for the line.
    package var location: String?
    /// `current_quantity` in the newest state.
    package var stateQuantity: Int
    /// Refunded units that state already counts.
    package var stateRefunded: Int
    /// Units the push side has been told Shopify deducted at `location`.
    package var deducted: Int

    package init(sku: String? = nil, location: String? = nil, stateQuantity: Int = 0, stateRefunded: Int = 0,
                deducted: Int = 0) {
        self.sku = sku
        self.location = location
        self.stateQuantity = stateQuantity
        self.stateRefunded = stateRefunded
        self.deducted = deducted
    }
}

/// A line's reservation in one warehouse.
package struct WarehouseReservation: Sendable, Equatable {
    package var sku: String
    /// Units held (ATS subtracts them).
    package var reserved: Int
    /// Of `reserved`, units the warehouse did not have when reserved.
    package var backordered: Int
    /// Units the ERP reported shipped for the line from this warehouse.
    package var fulfilled: Int

    package init(sku: String, reserved: Int = 0, backordered: Int = 0, fulfilled: Int = 0) {
        self.sku = sku
        self.reserved = reserved
        self.backordered = backordered
        self.fulfilled = fulfilled
    }
}

package struct RefundLineKey: Hashable, Sendable {
    package var shop: String
    package var refundID: String
    package var lineID: String

    package init(shop: String, refundID: String, lineID: String) {
        self.shop = shop
        self.refundID = refundID
        self.lineID = lineID
    }
}

package struct RefundLineRecord: Sendable, Equatable {
    package var orderID: String
    package var quantity: Int
    package var restockType: String
    package var location: String?

    package init(orderID: String, quantity: Int, restockType: String, location: String?) {
        self.orderID = orderID
        self.quantity = quantity
        self.restockType = restockType
        self.location = location
    }
}

/// A change to a reservation, announced to the ERP.
package struct ReservationEvent: Sendable, Equatable {
    package enum Kind: String, Sendable, CaseIterable {
        case created, changed, released, fulfilled
    }

    package var kind: Kind
    package var line: OrderLineKey
    package var orderName: String
    package var sku: String
    package var warehouse: String
    /// Units held now, the change, of which backordered, and units shipped so far.
    package var reserved: Int
    package var delta: Int
    package var backordered: Int
    package var fulfilled: Int

    package init(kind: Kind, line: OrderLineKey, orderName: String, sku: String, warehouse: String, reserved: Int, delta: Int,
                 backordered: Int, fulfilled: Int) {
        self.kind = kind
        self.line = line
        self.orderName = orderName
        self.sku = sku
        self.warehouse = warehouse
        self.reserved = reserved
        self.delta = delta
        self.backordered = backordered
        self.fulfilled = fulfilled
    }
}

/// A line that could not be reserved as asked. The order is recorded all the same.
package struct OrderIncident: Sendable, Equatable {
    package enum Kind: String, Sendable, CaseIterable {
        /// Neither the line nor Shopify's fulfilment order names a SKU, or the ERP has no level of it.
        case unknownSKU = "unknown_sku"
        /// No ERP warehouse feeds the Shopify location the line was taken from.
        case unmappedLocation = "unmapped_location"
        /// Shopify did not say where it took the line's stock.
        case noFulfilmentLocation = "no_fulfilment_location"
        /// No warehouse had the units: reserved anyway as a backorder. The store oversold.
        case backorder
    }

    package var line: OrderLineKey
    package var kind: Kind
    package var sku: String?
    package var quantity: Int
    package var detail: String
}

/// Where Shopify took an order line's stock, and the SKU it names there.
package struct LinePlacement: Sendable, Equatable {
    package var location: String
    package var sku: String?

    package init(location: String, sku: String?) {
        self.location = location
        self.sku = sku
    }
}

/// The orders of one batch and everything their reservations depend on, changed by order
/// states, refunds and fulfilments in any order and any number of times with one result:
/// each line holds `ordered − refunded − fulfilled` units (0 once cancelled), spread over
/// the warehouses feeding its location in priority order. Pure: the store loads it, the
/// batch changes it, the store saves what changed.
package struct OrderBook: Sendable {
    package var orders: [OrderKey: OrderRecord]
    package var lines: [OrderLineKey: OrderLineRecord]
    package var reservations: [OrderLineKey: [String: WarehouseReservation]]
    package private(set) var refundLines: [RefundLineKey: RefundLineRecord]
    /// Σ refundLines per order line.
    private var refunded: [OrderLineKey: Int] = [:]

    /// Warehouses feeding each Shopify location, in priority order.
    package var routes: [ShopLocation: [String]]
    /// Units each warehouse can still promise: on_hand − allocated − reserved − order reservations.
    package var promisable: [StockKey: Int]

    package private(set) var events: [ReservationEvent] = []
    package private(set) var incidents: [OrderIncident] = []
    /// Lines placed at last: their `noFulfilmentLocation` incidents are closed.
    package private(set) var placedAtLast: Set<OrderLineKey> = []
    /// Change of each level's order reservations.
    package private(set) var reservedDeltas: [StockKey: Int] = [:]
    package private(set) var newRefundLines: Set<RefundLineKey> = []
    package private(set) var changedOrders: Set<OrderKey> = []
    package private(set) var changedLines: Set<OrderLineKey> = []
    package private(set) var changedReservations: Set<OrderLineKey> = []
    /// Units Shopify deducted for the orders, and put back, per level, newly learnt: the
    /// push side folds them into what it expects Shopify to hold
    /// (`LevelExpectation.orderDeducted` and `restocked`).
    package private(set) var shopifyDeductions: [AvailabilityKey: Int] = [:]
    package private(set) var shopifyRestocks: [AvailabilityKey: Int] = [:]
    /// Order states older than the one recorded, ignored.
    package private(set) var staleStates = 0
    /// Deliveries and fulfilments for archived orders, ignored.
    package private(set) var archivedInputs = 0

    package init(orders: [OrderKey: OrderRecord] = [:], lines: [OrderLineKey: OrderLineRecord] = [:],
                reservations: [OrderLineKey: [String: WarehouseReservation]] = [:],
                refundLines: [RefundLineKey: RefundLineRecord] = [:], routes: [ShopLocation: [String]] = [:],
                promisable: [StockKey: Int] = [:]) {
        self.orders = orders
        self.lines = lines
        self.reservations = reservations
        self.refundLines = refundLines
        for (key, line) in refundLines {
            refunded[OrderLineKey(shop: key.shop, orderID: line.orderID, lineID: key.lineID), default: 0] += line.quantity
        }
        self.routes = routes
        self.promisable = promisable
    }

    /// Every SKU whose ATS this batch changed.
    package var changedSKUs: Set<String> { Set(reservedDeltas.filter { $0.value != 0 }.keys.map(\.sku)) }

    // MARK: Inputs

    /// Applies an order state unless a newer one was applied. `placements` gives, by line id,
    /// where Shopify took lines whose location is not recorded yet.
    package mutating func apply(_ state: OrderState, shop: String, placements: [String: LinePlacement]) {
        let key = OrderKey(shop: shop, orderID: state.orderID)
        guard !isArchived(key) else { return }
        var order = orders[key] ?? OrderRecord()
        if let applied = order.updatedAt, !state.isNewer(thanUpdatedAt: applied, triggeredAt: order.triggeredAt) {
            staleStates += 1
            return
        }
        order.name = state.name
        order.updatedAt = state.updatedAt
        order.triggeredAt = state.triggeredAt
        order.cancelled = state.cancelled
        orders[key] = order
        changedOrders.insert(key)

        var refundedInState: [String: Int] = [:]
        for refund in state.refunds {
            record(refund, shop: shop)
            for line in refund.lines { refundedInState[line.lineID, default: 0] += line.quantity }
        }
        for line in state.lines {
            let lineKey = OrderLineKey(shop: shop, orderID: state.orderID, lineID: line.id)
            var record = lines[lineKey] ?? OrderLineRecord()
            let placement = placements[line.id]
            record.sku = line.sku ?? placement?.sku ?? record.sku
            if record.location == nil, let location = placement?.location {
                record.location = location
                if lines[lineKey] != nil { placedAtLast.insert(lineKey) }
            }
            record.stateQuantity = line.currentQuantity
            record.stateRefunded = refundedInState[line.id] ?? 0
            // Shopify deducted at least what was ordered, and more if an edit added units.
            let taken = max(line.quantity, line.currentQuantity + record.stateRefunded)
            if let sku = record.sku, let location = record.location, taken > record.deducted {
                shopifyDeductions[AvailabilityKey(shop: shop, sku: sku, location: location), default: 0] += taken - record.deducted
                record.deducted = taken
            }
            lines[lineKey] = record
            changedLines.insert(lineKey)
            settle(lineKey)
        }
    }

    /// Where Shopify took a line that was recorded unplaced (its look-up was refused, or
    /// answered nothing, when its order arrived), learnt later: the line is placed, Shopify's
    /// deduction told to the push side, and its units reserved (none, if the order was
    /// cancelled meanwhile: its restock was told already, and now the deduction it undid).
    package mutating func place(_ key: OrderLineKey, at placement: LinePlacement) {
        guard !isArchived(key.order), orders[key.order] != nil,
              var record = lines[key], record.location == nil else { return }
        record.location = placement.location
        record.sku = record.sku ?? placement.sku
        let taken = record.stateQuantity + record.stateRefunded
        if let sku = record.sku, taken > record.deducted {
            shopifyDeductions[AvailabilityKey(shop: key.order.shop, sku: sku, location: placement.location), default: 0]
                += taken - record.deducted
            record.deducted = taken
        }
        lines[key] = record
        changedLines.insert(key)
        placedAtLast.insert(key)
        settle(key)
    }

    /// Applies a refund (once per refund and line, whichever message brings it).
    package mutating func apply(_ refund: Refund, shop: String) {
        guard !isArchived(OrderKey(shop: shop, orderID: refund.orderID)) else { return }
        recordOrderIfNew(OrderKey(shop: shop, orderID: refund.orderID))
        record(refund, shop: shop)
    }

    /// The ERP shipped `quantity` units of the line from `warehouse`: they leave the
    /// reservation (the ERP lowers on_hand by the same units).
    package mutating func fulfil(_ line: OrderLineKey, warehouse: String, sku: String, quantity: Int) {
        guard !isArchived(line.order) else { return }
        recordOrderIfNew(line.order)
        var reservation = reservations[line]?[warehouse] ?? WarehouseReservation(sku: sku)
        let consumed = min(reservation.reserved, quantity)
        reservation.reserved -= consumed
        reservation.backordered = min(reservation.backordered, reservation.reserved)
        reservation.fulfilled += quantity
        reservations[line, default: [:]][warehouse] = reservation
        changedReservations.insert(line)
        reservedDeltas[StockKey(sku: reservation.sku, warehouse: warehouse), default: 0] -= consumed
        promisable[StockKey(sku: reservation.sku, warehouse: warehouse), default: 0] += consumed
        announce(.fulfilled, line: line, warehouse: warehouse, reservation: reservation, delta: -consumed)
        settle(line)
    }

    // MARK: Reservations

    /// Units the line should hold now.
    func target(of key: OrderLineKey) -> Int? {
        guard let line = lines[key], let order = orders[key.order], order.updatedAt != nil else { return nil }
        if order.cancelled { return 0 }
        let ordered = line.stateQuantity + line.stateRefunded - (refunded[key] ?? 0)
        let fulfilled = reservations[key]?.values.reduce(0) { $0 + $1.fulfilled } ?? 0
        return max(0, ordered - fulfilled)
    }

    /// Brings the line's reservations to its target: more units are taken from the
    /// warehouses feeding its location in priority order (the first of them backorders what
    /// none has); fewer are released backorders first, then lowest priority first.
    private mutating func settle(_ key: OrderLineKey) {
        guard let target = target(of: key), let line = lines[key] else { return }
        let held = reservations[key]?.values.reduce(0) { $0 + $1.reserved } ?? 0
        if target > held {
            reserve(target - held, for: key, line: line)
        } else if target < held {
            release(held - target, from: key, line: line)
        }
    }

    private mutating func reserve(_ units: Int, for key: OrderLineKey, line: OrderLineRecord) {
        guard let sku = line.sku else {
            return flag(key, .unknownSKU, sku: nil, units, "neither the line nor its fulfilment order names a SKU")
        }
        guard let location = line.location else {
            return flag(key, .noFulfilmentLocation, sku: sku, units, "Shopify gave no fulfilment location for the line")
        }
        guard let warehouses = routes[ShopLocation(shop: key.order.shop, location: location)], !warehouses.isEmpty else {
            return flag(key, .unmappedLocation, sku: sku, units, "no ERP warehouse feeds \(location)")
        }
        guard warehouses.contains(where: { promisable[StockKey(sku: sku, warehouse: $0)] != nil }) else {
            return flag(key, .unknownSKU, sku: sku, units, "the ERP has no level of \(sku) in the warehouses feeding \(location)")
        }
        var remaining = units
        for warehouse in warehouses where remaining > 0 {
            let take = min(remaining, max(0, promisable[StockKey(sku: sku, warehouse: warehouse)] ?? 0))
            if take > 0 {
                hold(take, backordered: 0, key: key, sku: sku, warehouse: warehouse)
                remaining -= take
            }
        }
        if remaining > 0 {
            hold(remaining, backordered: remaining, key: key, sku: sku, warehouse: warehouses[0])
            flag(key, .backorder, sku: sku, remaining,
                 "\(remaining) unit(s) reserved at \(warehouses[0]) beyond its stock: the store sold more than the ERP had")
        }
    }

    private mutating func release(_ units: Int, from key: OrderLineKey, line: OrderLineRecord) {
        guard var held = reservations[key] else { return }
        let priority = line.location.flatMap { routes[ShopLocation(shop: key.order.shop, location: $0)] } ?? []
        // Warehouses no longer on the route first, then lowest priority first.
        let order = held.keys.sorted { (priority.firstIndex(of: $0) ?? .max, $0) > (priority.firstIndex(of: $1) ?? .max, $1) }
        var remaining = units
        var changes: [String: (backordered: Int, plain: Int)] = [:]
        for warehouse in order where remaining > 0 {
            let take = min(remaining, held[warehouse]!.backordered)
            changes[warehouse, default: (0, 0)].backordered += take
            held[warehouse]!.backordered -= take
            held[warehouse]!.reserved -= take
            remaining -= take
        }
        for warehouse in order where remaining > 0 {
            let take = min(remaining, held[warehouse]!.reserved)
            changes[warehouse, default: (0, 0)].plain += take
            held[warehouse]!.reserved -= take
            remaining -= take
        }
        reservations[key] = held
        changedReservations.insert(key)
        for warehouse in order {
            guard let change = changes[warehouse] else { continue }
            let released = change.backordered + change.plain
            let stock = StockKey(sku: held[warehouse]!.sku, warehouse: warehouse)
            reservedDeltas[stock, default: 0] -= released
            promisable[stock, default: 0] += released
            let reservation = held[warehouse]!
            announce(reservation.reserved == 0 ? .released : .changed, line: key, warehouse: warehouse,
                     reservation: reservation, delta: -released)
        }
    }

    private mutating func hold(_ units: Int, backordered: Int, key: OrderLineKey, sku: String, warehouse: String) {
        var reservation = reservations[key]?[warehouse] ?? WarehouseReservation(sku: sku)
        let first = reservation.reserved == 0 && reservation.fulfilled == 0
        reservation.reserved += units
        reservation.backordered += backordered
        reservations[key, default: [:]][warehouse] = reservation
        changedReservations.insert(key)
        let stock = StockKey(sku: sku, warehouse: warehouse)
        reservedDeltas[stock, default: 0] += units
        promisable[stock, default: 0] -= units
        announce(first ? .created : .changed, line: key, warehouse: warehouse, reservation: reservation, delta: units)
    }

    // MARK: Helpers

    /// An order first heard of through a refund or a fulfilment, before any of its states.
    /// Counts the input ignored when the order is archived.
    private mutating func isArchived(_ key: OrderKey) -> Bool {
        guard orders[key]?.archived == true else { return false }
        archivedInputs += 1
        return true
    }

    private mutating func recordOrderIfNew(_ key: OrderKey) {
        guard orders[key] == nil else { return }
        orders[key] = OrderRecord()
        changedOrders.insert(key)
    }

    private mutating func record(_ refund: Refund, shop: String) {
        for line in refund.lines {
            let key = RefundLineKey(shop: shop, refundID: refund.id, lineID: line.lineID)
            guard refundLines[key] == nil else { continue }
            refundLines[key] = RefundLineRecord(orderID: refund.orderID, quantity: line.quantity,
                                                restockType: line.restockType, location: line.location)
            newRefundLines.insert(key)
            let lineKey = OrderLineKey(shop: shop, orderID: refund.orderID, lineID: line.lineID)
            refunded[lineKey, default: 0] += line.quantity
            if line.restocked, line.quantity > 0, let sku = line.sku ?? lines[lineKey]?.sku,
               let location = line.location ?? lines[lineKey]?.location {
                shopifyRestocks[AvailabilityKey(shop: shop, sku: sku, location: location), default: 0] += line.quantity
            }
            settle(lineKey)
        }
    }

    private mutating func flag(_ key: OrderLineKey, _ kind: OrderIncident.Kind, sku: String?, _ units: Int, _ detail: String) {
        incidents.append(OrderIncident(line: key, kind: kind, sku: sku, quantity: units, detail: detail))
    }

    private mutating func announce(_ kind: ReservationEvent.Kind, line: OrderLineKey, warehouse: String,
                                   reservation: WarehouseReservation, delta: Int) {
        events.append(ReservationEvent(kind: kind, line: line, orderName: orders[line.order]?.name ?? "",
                                       sku: reservation.sku, warehouse: warehouse, reserved: reservation.reserved,
                                       delta: delta, backordered: reservation.backordered,
                                       fulfilled: reservation.fulfilled))
    }
}
