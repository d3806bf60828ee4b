import Foundation
import StockSyncDomain
import TestSupport
import Testing

@Suite("Order reservations (OrderBook)")
struct OrderBookTests {
    static let shop = "brand.myshopify.com"
    static let east = "gid://shopify/Location/1"
    static let line = OrderLineKey(shop: shop, orderID: "100", lineID: "L1")

    /// Two warehouses feed East, first WH-A then WH-B.
    static func book(a: Int = 10, b: Int = 10) -> OrderBook {
        OrderBook(routes: [ShopLocation(shop: shop, location: east): ["WH-A", "WH-B"]],
                  promisable: [StockKey(sku: "TEE", warehouse: "WH-A"): a, StockKey(sku: "TEE", warehouse: "WH-B"): b])
    }

    static let teeEast = AvailabilityKey(shop: shop, sku: "TEE", location: east)

    static func state(at second: Int, quantity: Int = 3, current: Int? = nil, cancelled: Bool = false,
                      refunds: [Refund] = [], sku: String? = "TEE") -> OrderState {
        OrderState(orderID: "100", name: "#1001", updatedAt: Date(timeIntervalSince1970: Double(1_795_849_200 + second)),
                   cancelled: cancelled, lines: [.init(id: "L1", sku: sku, quantity: quantity, currentQuantity: current ?? quantity)],
                   refunds: refunds)
    }

    static let placed = ["L1": LinePlacement(location: east, sku: "TEE")]

    static func refund(_ id: String, _ quantity: Int, restock: String = "return") -> Refund {
        Refund(id: id, orderID: "100", lines: [.init(lineID: "L1", sku: "TEE", quantity: quantity, restockType: restock, location: east)])
    }

    func held(_ book: OrderBook) -> [String: Int] {
        (book.reservations[Self.line] ?? [:]).mapValues(\.reserved).filter { $0.value != 0 }
    }

    /// Units Shopify deducted and put back at TEE@East, as the book tells the push side.
    func shopify(_ book: OrderBook) -> (deducted: Int, restocked: Int) {
        (book.shopifyDeductions[Self.teeEast] ?? 0, book.shopifyRestocks[Self.teeEast] ?? 0)
    }

    @Test("a line recorded unplaced is reserved once its location is learnt, Shopify's deduction told once; placing it again changes nothing")
    func unplacedLinePlacedLater() {
        var book = Self.book()
        book.apply(Self.state(at: 1), shop: Self.shop, placements: [:])
        #expect(book.incidents.map(\.kind) == [.noFulfilmentLocation])
        #expect(held(book).isEmpty && shopify(book) == (0, 0))
        // What a later batch loads: the order and its unplaced line as saved.
        var later = OrderBook(orders: book.orders, lines: book.lines,
                              routes: [ShopLocation(shop: Self.shop, location: Self.east): ["WH-A", "WH-B"]],
                              promisable: [StockKey(sku: "TEE", warehouse: "WH-A"): 10, StockKey(sku: "TEE", warehouse: "WH-B"): 10])
        later.place(Self.line, at: LinePlacement(location: Self.east, sku: "TEE"))
        #expect(held(later) == ["WH-A": 3])
        #expect(shopify(later) == (3, 0))
        #expect(later.placedAtLast == [Self.line] && later.incidents.isEmpty)
        later.place(Self.line, at: LinePlacement(location: Self.east, sku: "TEE"))
        #expect(held(later) == ["WH-A": 3] && shopify(later) == (3, 0), "placed already")
    }

    @Test("an order first heard of cancelled and restocked tells Shopify's deduction with its restock, placed at once or later; nothing is reserved")
    func cancelledOrderFirstHeardOfTellsItsDeduction() {
        let cancelled = Self.state(at: 1, quantity: 3, current: 0, cancelled: true, refunds: [Self.refund("R1", 3, restock: "cancel")])
        var placedAtOnce = Self.book()
        placedAtOnce.apply(cancelled, shop: Self.shop, placements: Self.placed)
        #expect(shopify(placedAtOnce) == (3, 3) && held(placedAtOnce).isEmpty)

        var book = Self.book()
        book.apply(cancelled, shop: Self.shop, placements: [:])
        #expect(shopify(book) == (0, 3), "the restock is known from the refund, the deduction not yet")
        var later = OrderBook(orders: book.orders, lines: book.lines,
                              routes: [ShopLocation(shop: Self.shop, location: Self.east): ["WH-A", "WH-B"]],
                              promisable: [StockKey(sku: "TEE", warehouse: "WH-A"): 10, StockKey(sku: "TEE", warehouse: "WH-B"): 10])
        later.place(Self.line, at: LinePlacement(location: Self.east, sku: "TEE"))
        #expect(shopify(later) == (3, 0) && held(later).isEmpty, "placed by the sweep: the deduction the restock undid")
    }

    @Test("an archived order takes no state, refund or fulfilment: nothing is reserved, deducted or sent again")
    func archivedOrderIgnoresEverything() {
        var book = OrderBook(orders: [OrderKey(shop: Self.shop, orderID: "100"): OrderRecord(archived: true)],
                             routes: [ShopLocation(shop: Self.shop, location: Self.east): ["WH-A"]],
                             promisable: [StockKey(sku: "TEE", warehouse: "WH-A"): 10])
        book.apply(Self.state(at: 1), shop: Self.shop, placements: Self.placed)
        book.apply(Self.refund("R1", 1), shop: Self.shop)
        book.fulfil(Self.line, warehouse: "WH-A", sku: "TEE", quantity: 1)
        #expect(book.archivedInputs == 3)
        #expect(held(book).isEmpty && book.events.isEmpty && book.changedOrders.isEmpty && book.changedReservations.isEmpty)
        #expect(shopify(book) == (0, 0))
    }

    @Test("an order reserves at the first warehouse that has the units, and Shopify's deduction moves the expectation")
    func reservesByPriority() {
        var book = Self.book()
        book.apply(Self.state(at: 0), shop: Self.shop, placements: Self.placed)
        #expect(held(book) == ["WH-A": 3])
        #expect(book.reservedDeltas == [StockKey(sku: "TEE", warehouse: "WH-A"): 3])
        #expect(shopify(book) == (3, 0))
        #expect(book.events.map(\.kind) == [.created])
        #expect(book.incidents.isEmpty)
        #expect(book.changedSKUs == ["TEE"])
    }

    @Test("a line larger than the first warehouse's stock is split across warehouses")
    func splits() {
        var book = Self.book(a: 2, b: 10)
        book.apply(Self.state(at: 0, quantity: 5), shop: Self.shop, placements: Self.placed)
        #expect(held(book) == ["WH-A": 2, "WH-B": 3])
        #expect(book.incidents.isEmpty)
    }

    @Test("what no warehouse has is reserved as a backorder at the first, and recorded as an oversell")
    func backorders() {
        var book = Self.book(a: 0, b: 1)
        book.apply(Self.state(at: 0, quantity: 4), shop: Self.shop, placements: Self.placed)
        #expect(held(book) == ["WH-B": 1, "WH-A": 3])
        #expect(book.reservations[Self.line]?["WH-A"]?.backordered == 3)
        #expect(book.incidents.map(\.kind) == [.backorder])
        #expect(book.incidents.first?.quantity == 3)
        // Cancelling releases the backorder first, then the rest.
        book.apply(Self.state(at: 1, quantity: 4, current: 2), shop: Self.shop, placements: [:])
        #expect(held(book) == ["WH-B": 1, "WH-A": 1])
        #expect(book.reservations[Self.line]?["WH-A"]?.backordered == 1)
    }

    @Test("an older state arriving after a newer one changes nothing; the same state twice changes nothing")
    func olderStatesAreIgnored() {
        var book = Self.book()
        book.apply(Self.state(at: 5, quantity: 3, current: 2), shop: Self.shop, placements: Self.placed)
        book.apply(Self.state(at: 0, quantity: 3), shop: Self.shop, placements: Self.placed)
        book.apply(Self.state(at: 5, quantity: 3, current: 2), shop: Self.shop, placements: Self.placed)
        #expect(held(book) == ["WH-A": 2])
        #expect(book.staleStates == 2)
        #expect(shopify(book) == (3, 0))
    }

    @Test("two states of the same second are ordered by when Shopify triggered their events")
    func sameSecondStates() {
        func state(_ current: Int, triggered: Double) -> OrderState {
            var state = Self.state(at: 0, quantity: 3, current: current)
            state.triggeredAt = Date(timeIntervalSince1970: 1_795_849_200 + triggered)
            return state
        }
        var book = Self.book()
        book.apply(state(3, triggered: 0.1), shop: Self.shop, placements: Self.placed)
        book.apply(state(1, triggered: 0.7), shop: Self.shop, placements: [:])
        book.apply(state(3, triggered: 0.1), shop: Self.shop, placements: [:])
        #expect(held(book) == ["WH-A": 1])
        #expect(book.staleStates == 1)
    }

    @Test("cancellation releases every open unit")
    func cancellation() {
        var book = Self.book(a: 2)
        book.apply(Self.state(at: 0, quantity: 5), shop: Self.shop, placements: Self.placed)
        book.apply(Self.state(at: 1, quantity: 5, current: 0, cancelled: true), shop: Self.shop, placements: [:])
        #expect(held(book).isEmpty)
        #expect(book.reservedDeltas.values.allSatisfy { $0 == 0 })
        #expect(book.events.map(\.kind) == [.created, .created, .released, .released])
        #expect(book.promisable[StockKey(sku: "TEE", warehouse: "WH-A")] == 2)
    }

    @Test("a refund with restock releases its units and raises the expectation once, whichever message brings it first")
    func refundWithRestock() {
        for refundFirst in [true, false] {
            var book = Self.book()
            book.apply(Self.state(at: 0), shop: Self.shop, placements: Self.placed)
            let refund = Self.refund("R1", 1)
            let later = Self.state(at: 1, quantity: 3, current: 2, refunds: [refund])
            if refundFirst {
                book.apply(refund, shop: Self.shop)
                book.apply(later, shop: Self.shop, placements: [:])
            } else {
                book.apply(later, shop: Self.shop, placements: [:])
                book.apply(refund, shop: Self.shop)
            }
            #expect(held(book) == ["WH-A": 2])
            #expect(shopify(book) == (3, 1))
        }
    }

    @Test("a refund without restock releases the reservation but leaves Shopify's quantity alone")
    func refundWithoutRestock() {
        var book = Self.book()
        book.apply(Self.state(at: 0), shop: Self.shop, placements: Self.placed)
        book.apply(Self.refund("R1", 3, restock: "no_restock"), shop: Self.shop)
        #expect(held(book).isEmpty)
        #expect(shopify(book) == (3, 0))
    }

    @Test("an edit that adds units reserves them and moves the expectation by what Shopify deducted")
    func editAddsUnits() {
        var book = Self.book()
        book.apply(Self.state(at: 0), shop: Self.shop, placements: Self.placed)
        book.apply(Self.state(at: 1, quantity: 3, current: 5), shop: Self.shop, placements: [:])
        #expect(held(book) == ["WH-A": 5])
        #expect(shopify(book) == (5, 0))
    }

    @Test("partial then full fulfilment consumes the reservation; a later state does not reserve again")
    func fulfilment() {
        var book = Self.book()
        book.apply(Self.state(at: 0), shop: Self.shop, placements: Self.placed)
        book.fulfil(Self.line, warehouse: "WH-A", sku: "TEE", quantity: 1)
        #expect(held(book) == ["WH-A": 2])
        book.fulfil(Self.line, warehouse: "WH-A", sku: "TEE", quantity: 2)
        #expect(held(book).isEmpty)
        #expect(book.reservations[Self.line]?["WH-A"]?.fulfilled == 3)
        book.apply(Self.state(at: 9), shop: Self.shop, placements: [:])
        #expect(held(book).isEmpty)
        #expect(book.events.map(\.kind) == [.created, .fulfilled, .fulfilled])
        // Shipping consumed the 3 units it took from on_hand: the level's order reservations are back to 0.
        #expect(book.reservedDeltas[StockKey(sku: "TEE", warehouse: "WH-A")] == 0)
    }

    @Test("a fulfilment that arrives before its order counts when the order comes")
    func fulfilmentBeforeOrder() {
        var book = Self.book()
        book.fulfil(Self.line, warehouse: "WH-B", sku: "TEE", quantity: 1)
        book.apply(Self.state(at: 0), shop: Self.shop, placements: Self.placed)
        #expect(held(book) == ["WH-A": 2])
    }

    @Test("shipping from another warehouse than the reserved one releases the surplus there")
    func fulfilmentElsewhere() {
        var book = Self.book()
        book.apply(Self.state(at: 0), shop: Self.shop, placements: Self.placed)
        book.fulfil(Self.line, warehouse: "WH-B", sku: "TEE", quantity: 1)
        #expect(held(book) == ["WH-A": 2])
        #expect(book.reservations[Self.line]?["WH-B"]?.fulfilled == 1)
    }

    @Test("lines that cannot be reserved are incidents, and the order is still recorded")
    func incidents() {
        var unknownSKU = Self.book()
        unknownSKU.apply(Self.state(at: 0, sku: nil), shop: Self.shop, placements: ["L1": LinePlacement(location: Self.east, sku: nil)])
        var notInERP = Self.book()
        notInERP.apply(Self.state(at: 0, sku: "MUG"), shop: Self.shop, placements: Self.placed)
        var unmapped = Self.book()
        unmapped.apply(Self.state(at: 0), shop: Self.shop, placements: ["L1": LinePlacement(location: "gid://shopify/Location/9", sku: "TEE")])
        var unplaced = Self.book()
        unplaced.apply(Self.state(at: 0), shop: Self.shop, placements: [:])
        for (book, kind) in [(unknownSKU, OrderIncident.Kind.unknownSKU), (notInERP, .unknownSKU), (unmapped, .unmappedLocation),
                             (unplaced, .noFulfilmentLocation)] {
            #expect(book.incidents.map(\.kind) == [kind])
            #expect(book.incidents.first?.quantity == 3)
            #expect(book.reservations.isEmpty)
            #expect(book.changedOrders == [Self.line.order] && book.changedLines == [Self.line])
        }
        // The SKU from Shopify's fulfilment order stands in for a line without one.
        var fromFulfilment = Self.book()
        fromFulfilment.apply(Self.state(at: 0, sku: nil), shop: Self.shop, placements: Self.placed)
        #expect(held(fromFulfilment) == ["WH-A": 3])
    }

    @Test("any order and repetition of the same messages holds the same units", arguments: 0..<40)
    func orderIndependence(seed: Int) {
        enum Step { case state(OrderState), refund(Refund), fulfil(Int) }
        let steps: [Step] = [
            .state(Self.state(at: 0, quantity: 4)),
            .state(Self.state(at: 1, quantity: 4, current: 6)),
            .refund(Self.refund("R1", 1)),
            .state(Self.state(at: 2, quantity: 4, current: 5, refunds: [Self.refund("R1", 1)])),
            .fulfil(2),
        ]
        func run(_ steps: [Step]) -> (held: Int, deltas: Int, deducted: Int, restocked: Int) {
            var book = Self.book()
            var fulfilled = 0
            for step in steps {
                switch step {
                case .state(let state): book.apply(state, shop: Self.shop, placements: Self.placed)
                case .refund(let refund): book.apply(refund, shop: Self.shop)
                case .fulfil(let units):
                    // The same fulfilment event is applied once (the stock ledger records its id).
                    guard fulfilled == 0 else { continue }
                    fulfilled = units
                    book.fulfil(Self.line, warehouse: "WH-A", sku: "TEE", quantity: units)
                }
            }
            let (deducted, restocked) = shopify(book)
            return (held(book).values.reduce(0, +), book.reservedDeltas.values.reduce(0, +), deducted, restocked)
        }
        var generator = SeededGenerator(seed: UInt64(seed))
        var shuffled = steps.shuffled(using: &generator)
        shuffled.insert(shuffled[Int.random(in: 0..<shuffled.count, using: &generator)], at: Int.random(in: 0...shuffled.count, using: &generator))
        let canonical = run(steps), other = run(shuffled)
        // Newest state: 5 on the order + 1 refunded in it, minus refund R1 (1) = 5; 2 shipped: 3 held.
        #expect(canonical.held == 3)
        #expect(other.held == canonical.held)
        // The levels carry exactly what the lines hold.
        #expect(other.deltas == canonical.deltas)
        // Shopify deducted 6 (an edit to 6) and got 1 back from the restocking refund.
        #expect(canonical.deducted == 6 && canonical.restocked == 1)
        #expect(other.deducted == canonical.deducted && other.restocked == canonical.restocked)
    }
}
