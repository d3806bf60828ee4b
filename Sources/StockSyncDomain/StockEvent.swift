#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One (SKU, ERP warehouse) pair: the unit the ERP reports stock for.
package struct StockKey: Hashable, Sendable, Comparable {
    package var sku: String
    package var warehouse: String

    package init(sku: String, warehouse: String) {
        self.sku = sku
        self.warehouse = warehouse
    }

    package static func < (lhs: StockKey, rhs: StockKey) -> Bool {
        (lhs.sku, lhs.warehouse) < (rhs.sku, rhs.warehouse)
    }
}

/// The ERP's quantities for one (SKU, warehouse), or a change to them.
package struct StockQuantities: Hashable, Sendable {
    package var onHand: Int
    package var allocated: Int
    package var reserved: Int

    package static let zero = StockQuantities(onHand: 0, allocated: 0, reserved: 0)

    package init(onHand: Int, allocated: Int, reserved: Int) {
        self.onHand = onHand
        self.allocated = allocated
        self.reserved = reserved
    }

    /// Units the warehouse can still promise; negative when it is over-committed.
    package var net: Int { onHand - allocated - reserved }

    package static func + (lhs: StockQuantities, rhs: StockQuantities) -> StockQuantities {
        StockQuantities(
            onHand: lhs.onHand + rhs.onHand,
            allocated: lhs.allocated + rhs.allocated,
            reserved: lhs.reserved + rhs.reserved
        )
    }
}

/// A validated `stock-changed` message.
package struct StockEvent: Hashable, Sendable {
    package enum Change: Hashable, Sendable {
        /// The ERP's absolute quantities as of `version` of its ledger for this key.
        case snapshot(StockQuantities, version: Int)
        /// A movement. With a `version` it is ordered against snapshots (a snapshot at or
        /// after that version already includes it); without one it applies to whatever
        /// is current when it arrives and a later snapshot supersedes it.
        case adjustment(StockQuantities, version: Int?)
    }

    /// The ERP shipped units of a Shopify order line (`kind: fulfilment`): on_hand falls
    /// by `quantity` as an adjustment, and the line's reservation gives up as many units.
    package struct Fulfilment: Hashable, Sendable {
        package var line: OrderLineKey
        package var quantity: Int

        package init(line: OrderLineKey, quantity: Int) {
            self.line = line
            self.quantity = quantity
        }
    }

    package var eventID: String
    package var key: StockKey
    package var occurredAt: Date
    package var change: Change
    package var fulfilment: Fulfilment?

    package init(eventID: String, key: StockKey, occurredAt: Date, change: Change, fulfilment: Fulfilment? = nil) {
        self.eventID = eventID
        self.key = key
        self.occurredAt = occurredAt
        self.change = change
        self.fulfilment = fulfilment
    }
}
