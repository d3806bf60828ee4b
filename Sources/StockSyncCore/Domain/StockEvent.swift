#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One (SKU, ERP warehouse) pair: the unit the ERP reports stock for.
public struct StockKey: Hashable, Sendable, Comparable {
    public var sku: String
    public var warehouse: String

    public init(sku: String, warehouse: String) {
        self.sku = sku
        self.warehouse = warehouse
    }

    public static func < (lhs: StockKey, rhs: StockKey) -> Bool {
        (lhs.sku, lhs.warehouse) < (rhs.sku, rhs.warehouse)
    }
}

/// The ERP's quantities for one (SKU, warehouse), or a change to them.
public struct StockQuantities: Hashable, Sendable {
    public var onHand: Int
    public var allocated: Int
    public var reserved: Int

    public static let zero = StockQuantities(onHand: 0, allocated: 0, reserved: 0)

    public init(onHand: Int, allocated: Int, reserved: Int) {
        self.onHand = onHand
        self.allocated = allocated
        self.reserved = reserved
    }

    /// Units the warehouse can still promise; negative when it is over-committed.
    public var net: Int { onHand - allocated - reserved }

    public static func + (lhs: StockQuantities, rhs: StockQuantities) -> StockQuantities {
        StockQuantities(
            onHand: lhs.onHand + rhs.onHand,
            allocated: lhs.allocated + rhs.allocated,
            reserved: lhs.reserved + rhs.reserved
        )
    }
}

/// A validated `stock-changed` message.
public struct StockEvent: Hashable, Sendable {
    public enum Change: Hashable, Sendable {
        /// The ERP's absolute quantities as of `version` of its ledger for this key.
        case snapshot(StockQuantities, version: Int)
        /// A movement. With a `version` it is ordered against snapshots (a snapshot at or
        /// after that version already includes it); without one it applies to whatever
        /// is current when it arrives and a later snapshot supersedes it.
        case adjustment(StockQuantities, version: Int?)
    }

    /// The ERP shipped units of a Shopify order line (`kind: fulfilment`): on_hand falls
    /// by `quantity` as an adjustment, and the line's reservation gives up as many units.
    public struct Fulfilment: Hashable, Sendable {
        public var line: OrderLineKey
        public var quantity: Int

        public init(line: OrderLineKey, quantity: Int) {
            self.line = line
            self.quantity = quantity
        }
    }

    public var eventID: String
    public var key: StockKey
    public var occurredAt: Date
    public var change: Change
    public var fulfilment: Fulfilment?

    public init(eventID: String, key: StockKey, occurredAt: Date, change: Change, fulfilment: Fulfilment? = nil) {
        self.eventID = eventID
        self.key = key
        self.occurredAt = occurredAt
        self.change = change
        self.fulfilment = fulfilment
    }
}
