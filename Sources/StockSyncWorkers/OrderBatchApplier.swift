import StockSyncDomain
import StockSyncPostgres
import StockSyncStore
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// What one batch of order messages changed.
package struct OrderBatchOutcome: Sendable, Equatable {
    package var applied = 0
    /// Deliveries whose event id was applied before (Shopify's retries and duplicates).
    package var duplicates = 0
    /// Order states older than the one recorded.
    package var stale = 0
    /// Deliveries for orders archived by retention, changing nothing.
    package var archived = 0
    /// Lines recorded unplaced that were placed (and reserved) at last.
    package var placedAtLast = 0
    package var reservationEvents: [ReservationEvent.Kind: Int] = [:]
    package var incidents: [OrderIncident.Kind: Int] = [:]
    package var availabilityChanged = 0

    package init() {}

    package static func + (lhs: OrderBatchOutcome, rhs: OrderBatchOutcome) -> OrderBatchOutcome {
        var sum = lhs
        sum.applied += rhs.applied
        sum.duplicates += rhs.duplicates
        sum.stale += rhs.stale
        sum.archived += rhs.archived
        sum.placedAtLast += rhs.placedAtLast
        sum.reservationEvents.merge(rhs.reservationEvents, uniquingKeysWith: +)
        sum.incidents.merge(rhs.incidents, uniquingKeysWith: +)
        sum.availabilityChanged += rhs.availabilityChanged
        return sum
    }
}

/// Applies a batch of order messages in one transaction: under the orders' and SKUs'
/// locks, records the event ids (only new ones apply), moves the `OrderBook`, saves it with
/// its reservation events into the outbox, and recomputes the ATS of the SKUs whose
/// reservations moved. A crash before the commit leaves nothing; after it, the redelivered
/// batch finds every event id recorded.
package struct OrderBatchApplier {
    package let connection: PostgresConnection

    package init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// - Parameter placements: per order, where Shopify took each line not placed before.
    package func apply(_ messages: [OrderMessage], placements: [OrderKey: [String: LinePlacement]]) throws -> OrderBatchOutcome {
        guard !messages.isEmpty else { return OrderBatchOutcome() }
        return try connection.transaction { connection in
            let store = OrderStore(connection: connection)
            var skus = Set<String>()
            for message in messages {
                switch message.content {
                case .order(let state):
                    skus.formUnion(state.lines.compactMap(\.sku))
                    skus.formUnion(state.refunds.flatMap { $0.lines.compactMap(\.sku) })
                case .refund(let refund):
                    skus.formUnion(refund.lines.compactMap(\.sku))
                }
            }
            skus.formUnion(placements.values.flatMap { $0.values.compactMap(\.sku) })
            let orders = Set(messages.map { OrderKey(shop: $0.shop, orderID: $0.orderID) })
            // Locks first: a duplicate being applied by another worker is waited for, then found.
            var book = try store.lockAndLoad(orders: orders, skus: skus)
            var fresh = try store.recordEvents(messages)
            var outcome = OrderBatchOutcome()
            for message in messages {
                guard fresh.remove(message.eventID) != nil else {
                    outcome.duplicates += 1
                    continue
                }
                outcome.applied += 1
                switch message.content {
                case .order(let state):
                    book.apply(state, shop: message.shop,
                               placements: placements[OrderKey(shop: message.shop, orderID: state.orderID)] ?? [:])
                case .refund(let refund):
                    book.apply(refund, shop: message.shop)
                }
            }
            return try save(book, outcome, in: connection)
        }
    }

    /// Places lines recorded unplaced where the placement sweep learnt Shopify took them,
    /// in one transaction: they are reserved, and their incidents closed.
    package func place(_ placements: [OrderKey: [String: LinePlacement]]) throws -> OrderBatchOutcome {
        guard !placements.isEmpty else { return OrderBatchOutcome() }
        return try connection.transaction { connection in
            var book = try OrderStore(connection: connection).lockAndLoad(
                orders: Set(placements.keys), skus: Set(placements.values.flatMap { $0.values.compactMap(\.sku) }))
            for (order, lines) in placements {
                for (lineID, placement) in lines {
                    book.place(OrderLineKey(shop: order.shop, orderID: order.orderID, lineID: lineID), at: placement)
                }
            }
            return try save(book, OrderBatchOutcome(), in: connection)
        }
    }

    private func save(_ book: OrderBook, _ counted: OrderBatchOutcome, in connection: PostgresConnection) throws
        -> OrderBatchOutcome {
        try OrderStore(connection: connection).save(book)
        var outcome = counted
        outcome.stale = book.staleStates
        outcome.archived = book.archivedInputs
        outcome.placedAtLast = book.placedAtLast.count
        for event in book.events { outcome.reservationEvents[event.kind, default: 0] += 1 }
        for incident in book.incidents { outcome.incidents[incident.kind, default: 0] += 1 }
        outcome.availabilityChanged = try AvailabilityRefresher.refresh(
            skus: book.changedSKUs, dueSince: [:], store: StockStore(connection: connection))
        return outcome
    }
}
