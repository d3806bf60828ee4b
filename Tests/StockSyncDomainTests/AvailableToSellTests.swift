import StockSyncDomain
import Testing

@Suite("Available-to-sell and safety buffers")
struct AvailableToSellTests {
    static let shop = "a.myshopify.com"
    static let otherShop = "b.myshopify.com"
    static let east = ShopLocation(shop: shop, location: "L-EAST")
    static let west = ShopLocation(shop: shop, location: "L-WEST")
    static let otherEast = ShopLocation(shop: otherShop, location: "L-1")

    static let mappings = [
        WarehouseMapping(shop: shop, warehouse: "WH-NY", location: "L-EAST"),
        WarehouseMapping(shop: shop, warehouse: "WH-NJ", location: "L-EAST"),
        WarehouseMapping(shop: shop, warehouse: "WH-CA", location: "L-WEST"),
        WarehouseMapping(shop: otherShop, warehouse: "WH-NY", location: "L-1"),
    ]

    static func stock(_ onHand: Int, allocated: Int = 0, reserved: Int = 0) -> StockQuantities {
        StockQuantities(onHand: onHand, allocated: allocated, reserved: reserved)
    }

    @Test(arguments: [
        (10, 0, 10), (10, 3, 7), (3, 3, 0), (2, 3, 0), (-5, 0, 0), (-5, 2, 0), (0, 0, 0),
    ])
    func floorsAtZero(net: Int, buffer: Int, expected: Int) {
        #expect(AvailabilityCalculator.availableToSell(net: net, buffer: buffer) == expected)
    }

    /// Three `on_hand_delta: 1000000000` adjustments sum to 3e9, beyond GraphQL's 32-bit
    /// `Int`: the push would be refused whole and replayed forever.
    @Test("ATS never exceeds what Shopify accepts (1,000,000,000)", arguments: [
        (3_000_000_000, 0, 1_000_000_000), (1_000_000_001, 1, 1_000_000_000), (1_000_000_005, 10, 999_999_995),
    ])
    func capsAtShopifysMaximum(net: Int, buffer: Int, expected: Int) {
        #expect(AvailabilityCalculator.availableToSell(net: net, buffer: buffer) == expected)
    }

    @Test func netSubtractsAllocatedAndReserved() {
        #expect(Self.stock(10, allocated: 3, reserved: 2).net == 5)
        #expect(Self.stock(1, allocated: 3, reserved: 2).net == -4)
    }

    @Test func locationsAWarehouseFeedsAndTheirFeeders() {
        let calculator = AvailabilityCalculator(mappings: Self.mappings, buffers: SafetyBufferPolicy())
        #expect(Set(calculator.locations(fedBy: "WH-NY")) == [Self.east, Self.otherEast])
        #expect(calculator.locations(fedBy: "WH-UNMAPPED").isEmpty)
        #expect(Set(calculator.warehouses(feeding: Self.east)) == ["WH-NY", "WH-NJ"])
        #expect(calculator.warehouses(feeding: ShopLocation(shop: Self.shop, location: "L-NONE")).isEmpty)
    }

    @Test func reachOfChangedLevels() {
        let calculator = AvailabilityCalculator(mappings: Self.mappings, buffers: SafetyBufferPolicy())
        let reach = calculator.reach(of: [
            StockKey(sku: "S", warehouse: "WH-NJ"), StockKey(sku: "T", warehouse: "WH-NY"),
            StockKey(sku: "T", warehouse: "WH-CA"), StockKey(sku: "U", warehouse: "WH-UNMAPPED"),
        ])
        #expect(reach.locations == ["S": [Self.east], "T": [Self.east, Self.otherEast, Self.west]])
        #expect(reach.levels == [StockKey(sku: "S", warehouse: "WH-NY"), StockKey(sku: "S", warehouse: "WH-NJ"),
                                 StockKey(sku: "T", warehouse: "WH-NY"), StockKey(sku: "T", warehouse: "WH-NJ"),
                                 StockKey(sku: "T", warehouse: "WH-CA")])
    }

    /// What a stock batch recomputes (the locations a changed warehouse feeds, from the
    /// levels of its reach alone) equals the whole computation at those locations.
    @Test func withinTheReachOfAChangeEqualsTheWholeComputation() {
        let buffers = SafetyBufferPolicy(shopDefaults: [Self.shop: 1],
                                         overrides: [.init(shop: Self.otherShop, sku: "S", location: nil): 3])
        let calculator = AvailabilityCalculator(mappings: Self.mappings, buffers: buffers)
        let stock = ["WH-NY": Self.stock(10, reserved: 4), "WH-NJ": Self.stock(5, allocated: 1), "WH-CA": Self.stock(4)]
        let whole = calculator.availability(sku: "S", stock: stock)
        for warehouse in stock.keys {
            let reach = calculator.reach(of: [StockKey(sku: "S", warehouse: warehouse)])
            let part = calculator.availability(in: reach) { reach.levels.contains($0) ? stock[$0.warehouse] : nil }
            let expected = whole.filter { reach.locations["S"]!.contains($0.key) }
            #expect(part == Dictionary(uniqueKeysWithValues: expected.map {
                (AvailabilityKey(shop: $0.key.shop, sku: "S", location: $0.key.location), $0.value)
            }), "changed \(warehouse)")
            #expect(part.count == calculator.locations(fedBy: warehouse).count)
        }
    }

    @Test func sumsEveryWarehouseMappedToALocation() {
        let calculator = AvailabilityCalculator(mappings: Self.mappings, buffers: SafetyBufferPolicy())
        let result = calculator.availability(sku: "S", stock: [
            "WH-NY": Self.stock(10, allocated: 2, reserved: 1), "WH-NJ": Self.stock(5), "WH-CA": Self.stock(4),
        ])
        #expect(result == [Self.east: 12, Self.west: 4, Self.otherEast: 7])
    }

    @Test func anOvercommittedWarehouseLowersItsLocation() {
        let calculator = AvailabilityCalculator(mappings: Self.mappings, buffers: SafetyBufferPolicy())
        let result = calculator.availability(sku: "S", stock: ["WH-NY": Self.stock(2, reserved: 5), "WH-NJ": Self.stock(4)])
        #expect(result[Self.east] == 1)
        #expect(result[Self.otherEast] == 0)
    }

    @Test func computesOnlyLocationsFedByStockedWarehouses() {
        let calculator = AvailabilityCalculator(mappings: Self.mappings, buffers: SafetyBufferPolicy())
        #expect(calculator.availability(sku: "S", stock: ["WH-CA": Self.stock(1)]) == [Self.west: 1])
        #expect(calculator.availability(sku: "S", stock: ["WH-UNMAPPED": Self.stock(9)]).isEmpty)
    }

    @Test func aLocationThatNoLongerHasAWarehouseFallsToZero() {
        let calculator = AvailabilityCalculator(mappings: Self.mappings, buffers: SafetyBufferPolicy())
        let gone = ShopLocation(shop: Self.shop, location: "L-CLOSED")
        #expect(calculator.availability(sku: "S", stock: [:], alsoAt: [gone]) == [gone: 0])
    }

    @Test func buffersApplyMostSpecificFirst() {
        let policy = SafetyBufferPolicy(
            shopDefaults: [Self.shop: 2],
            overrides: [
                .init(shop: Self.shop, sku: "S", location: nil): 3,
                .init(shop: Self.shop, sku: "S", location: "L-WEST"): 1,
            ])
        #expect(policy.buffer(for: AvailabilityKey(shop: Self.shop, sku: "S", location: "L-WEST")) == 1)
        #expect(policy.buffer(for: AvailabilityKey(shop: Self.shop, sku: "S", location: "L-EAST")) == 3)
        #expect(policy.buffer(for: AvailabilityKey(shop: Self.shop, sku: "T", location: "L-EAST")) == 2)
        #expect(policy.buffer(for: AvailabilityKey(shop: Self.otherShop, sku: "S", location: "L-1")) == 0)

        let calculator = AvailabilityCalculator(mappings: Self.mappings, buffers: policy)
        let result = calculator.availability(sku: "S", stock: ["WH-NY": Self.stock(10), "WH-CA": Self.stock(10)])
        #expect(result == [Self.east: 7, Self.west: 9, Self.otherEast: 10])
    }

    @Test func aBufferLargerThanStockGivesZero() {
        let policy = SafetyBufferPolicy(shopDefaults: [Self.shop: 50])
        let calculator = AvailabilityCalculator(mappings: Self.mappings, buffers: policy)
        #expect(calculator.availability(sku: "S", stock: ["WH-CA": Self.stock(10)]) == [Self.west: 0])
    }
}
