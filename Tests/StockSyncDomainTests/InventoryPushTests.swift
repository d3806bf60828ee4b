import StockSyncDomain
import Testing

@Suite("Push planning and Shopify level expectations")
struct InventoryPushTests {
    private func level(_ sku: String, location: String = "gid://shopify/Location/1", available: Int, version: Int = 1,
                       item: String? = "item", expected: Int? = 0, unreservedSold: Int = 0) -> DueLevel {
        DueLevel(sku: sku, location: location, available: available, version: version,
                 inventoryItemID: item.map { $0 == "item" ? "gid://shopify/InventoryItem/\(sku)" : $0 },
                 expectation: LevelExpectation(expected: expected, unreservedSold: unreservedSold))
    }

    @Test("batches hold at most 250 quantities, in the order levels became due", arguments: [0, 1, 249, 250, 251, 1_000, 1_001])
    func batchesRespectShopifysLimit(count: Int) {
        let plan = PushPlan(due: (0..<count).map { level("SKU-\($0)", available: $0 + 1) })
        #expect(plan.batches.allSatisfy { $0.count <= 250 && !$0.isEmpty })
        #expect(plan.batches.count == (count + 249) / 250)
        #expect(plan.batches.flatMap { $0 }.map(\.sku) == (0..<count).map { "SKU-\($0)" })
    }

    @Test("a level due twice is pushed once, at its newest version")
    func coalescesToNewestVersion() {
        let plan = PushPlan(due: [level("A", available: 5, version: 3), level("B", available: 1),
                                  level("A", available: 9, version: 7), level("A", available: 2, version: 5)])
        #expect(plan.batches.flatMap { $0 }.map { "\($0.sku)=\($0.quantity)@\($0.version)" } == ["A=9@7", "B=1@1"])
    }

    @Test("the same SKU at two locations is two quantities")
    func locationsAreSeparateLevels() {
        let plan = PushPlan(due: [level("A", location: "L1", available: 5), level("A", location: "L2", available: 6)])
        #expect(plan.batches.flatMap { $0 }.count == 2)
    }

    @Test("levels Shopify already holds need no call; unknown items and levels are set aside")
    func setsAsideWhatCannotBePushedYet() {
        let plan = PushPlan(due: [
            level("current", available: 4, expected: 4),
            level("held-back-current", available: 6, expected: 4, unreservedSold: 2),
            level("no-item", available: 4, item: nil),
            DueLevel(sku: "missing", location: "L", available: 4, version: 1, inventoryItemID: nil, itemMissing: true,
                     expectation: LevelExpectation()),
            level("no-level", available: 4, expected: nil),
            level("push", available: 7, expected: 3),
        ])
        #expect(plan.alreadyCurrent.map(\.sku) == ["current", "held-back-current"])
        #expect(plan.needsItem.map(\.sku) == ["no-item"])
        #expect(plan.itemMissing.map(\.sku) == ["missing"])
        #expect(plan.needsLevel.map(\.sku) == ["no-level"])
        #expect(plan.batches == [[PushQuantity(sku: "push", inventoryItemID: "gid://shopify/InventoryItem/push",
                                               location: "gid://shopify/Location/1", quantity: 7, changeFrom: 3, version: 1)]])
    }

    @Test("every push compares against the quantity Shopify is expected to hold, and holds back unreserved sales")
    func pushesCompareAgainstExpectation() {
        let plan = PushPlan(due: [level("A", available: 10, expected: 6, unreservedSold: 3)])
        #expect(plan.batches.first?.first?.quantity == 7)
        #expect(plan.batches.first?.first?.changeFrom == 6)
    }

    // MARK: The race: a push computed before an order reached the ERP

    /// Shopify holds 10 and we expect 10. An order takes 2 on Shopify. The ERP, not yet
    /// told, receives 2 units: ATS 12. Whatever the order of what follows, Shopify must end
    /// at ATS minus the units sold and never show the 2 sold units again.
    @Test("a stale push reads Shopify and holds back the units it sold")
    func stalePushHoldsBackSales() {
        var expectation = LevelExpectation(expected: 10)
        let shopify = 10 - 2  // the order, on Shopify's side
        // Push 12 against 10: Shopify refuses it as stale (changeFromQuantity 10 ≠ 8).
        #expect(expectation.expected != shopify)
        expectation.observedStale(actual: shopify)
        #expect(expectation == LevelExpectation(expected: 8, unreservedSold: 2))
        #expect(expectation.target(forAvailable: 12) == 10)
        expectation.confirmed(10)
        // The order reaches the ERP: reserved 2, ATS 10. The held-back units were this order's.
        expectation.orderDeducted(2)
        #expect(expectation == LevelExpectation(expected: 10, unreservedSold: 0))
        #expect(expectation.target(forAvailable: 10) == 10)  // equal to expected: no call at all
    }

    @Test("an order known before the push moves the expectation, so the push is not stale")
    func orderBeforePush() {
        var expectation = LevelExpectation(expected: 10)
        expectation.orderDeducted(2)  // Shopify now holds 8, and so we expect
        #expect(expectation == LevelExpectation(expected: 8, unreservedSold: 0))
        // ERP: +2 received, -2 reserved for the order: ATS 10; push 10 against 8.
        #expect(expectation.target(forAvailable: 10) == 10)
    }

    @Test("an order learnt of after a stale read is not deducted twice")
    func orderAfterStaleRead() {
        var expectation = LevelExpectation(expected: 10)
        expectation.observedStale(actual: 7)   // 3 sold on Shopify
        expectation.orderDeducted(2)           // the first order of those 3 reaches us
        #expect(expectation == LevelExpectation(expected: 7, unreservedSold: 1))
        expectation.orderDeducted(4)           // one more unit of a later order
        #expect(expectation == LevelExpectation(expected: 4, unreservedSold: 0))
    }

    @Test("stock added in Shopify's admin is not mistaken for sales")
    func surplusIsOverwritten() {
        var expectation = LevelExpectation(expected: 5)
        expectation.observedStale(actual: 9)
        #expect(expectation == LevelExpectation(expected: 9, unreservedSold: 0))
        #expect(expectation.target(forAvailable: 5) == 5)
    }

    @Test("a restock raises what Shopify is expected to hold; targets never go below 0")
    func restockAndFloor() {
        var expectation = LevelExpectation(expected: 3, unreservedSold: 5)
        expectation.restocked(2)
        #expect(expectation.expected == 5)
        #expect(expectation.target(forAvailable: 4) == 0)
        var unknown = LevelExpectation()
        unknown.orderDeducted(1)
        unknown.restocked(1)
        #expect(unknown.expected == nil)
        unknown.observedStale(actual: 4)
        #expect(unknown == LevelExpectation(expected: 4, unreservedSold: 0))
    }

    /// An order sells 3 on Shopify; later its reservation reaches the ERP; meanwhile the ERP
    /// receives 2 units and pushes happen at any point. After every push Shopify must show
    /// the ERP's ATS minus the sold units the ERP has not reserved yet (never the sold units
    /// again), and once reserved, exactly the ERP's ATS.
    @Test("every interleaving of sale, receipt, reservation and pushes", arguments: [
        ["sale", "receipt", "reserve", "push"], ["sale", "receipt", "push", "reserve"],
        ["push", "sale", "receipt", "push", "reserve"], ["receipt", "push", "sale", "push", "push", "reserve"],
        ["sale", "push", "receipt", "push", "reserve", "push"], ["receipt", "sale", "reserve", "push", "push"],
    ])
    func everyInterleavingConverges(steps: [String]) {
        let sold = 3
        var shopify = 10, erpAvailable = 10
        var sale = false, reservedSale = false
        var expectation = LevelExpectation(expected: 10)
        func push() {
            // Compare-and-set against the expectation; a stale answer is read and retried.
            if shopify != expectation.expected { expectation.observedStale(actual: shopify) }
            let target = expectation.target(forAvailable: erpAvailable)
            shopify = target
            expectation.confirmed(target)
            let unreserved = sale && !reservedSale ? sold : 0
            #expect(shopify == max(0, erpAvailable - unreserved), "after \(steps)")
        }
        for step in steps {
            switch step {
            case "sale": shopify -= sold; sale = true
            case "receipt": erpAvailable += 2
            case "reserve": erpAvailable -= sold; reservedSale = true; expectation.orderDeducted(sold)
            default: push()
            }
        }
        push()
        #expect(shopify == erpAvailable)
        #expect(expectation.unreservedSold == 0)
    }
}

@Suite("What is done with a push Shopify did not apply")
struct PushFailurePolicyTests {
    let policy = PushFailurePolicy(maximumFailures: 3, retryPause: .seconds(2))

    @Test("a call that fails is sent again, pausing longer each time, until the limit; then split, or set aside when one level")
    func callFailures() {
        let failure = PushFailurePolicy.Failure.call("INTERNAL_SERVER_ERROR")
        #expect(policy.action(for: failure, failuresBefore: 0, quantities: 250) == .retry(after: .seconds(2)))
        #expect(policy.action(for: failure, failuresBefore: 1, quantities: 250) == .retry(after: .seconds(4)))
        #expect(policy.action(for: failure, failuresBefore: 2, quantities: 250) == .split)
        #expect(policy.action(for: failure, failuresBefore: 2, quantities: 2) == .split)
        #expect(policy.action(for: failure, failuresBefore: 2, quantities: 1)
            == .setAside("Shopify failed this level's push 3 times: INTERNAL_SERVER_ERROR"))
    }

    @Test("halves start one failure short: the half at fault is split again at its first failure, down to its level")
    func halvesNarrowDown() {
        var quantities = 250
        var steps = 0
        while case .split = policy.action(for: .call("x"), failuresBefore: policy.failuresOfHalves, quantities: quantities) {
            quantities = (quantities + 1) / 2
            steps += 1
        }
        #expect(quantities == 1 && steps == 8, "log2(250) rounded up")
        #expect(policy.action(for: .call("x"), failuresBefore: policy.failuresOfHalves, quantities: 1)
            == .setAside("Shopify failed this level's push 3 times: x"))
    }

    @Test("a whole-call refusal naming no quantity is split at once, and a single level set aside with Shopify's reason")
    func wholeCallRefusals() {
        #expect(policy.action(for: .refusedWhole("INVALID_REASON: bad"), failuresBefore: 0, quantities: 7) == .split)
        #expect(policy.action(for: .refusedWhole("INVALID_REASON: bad"), failuresBefore: 0, quantities: 1) == .setAside("INVALID_REASON: bad"))
    }

    @Test("a limit of one splits at the first failure", arguments: [1, 2, 250])
    func limitOfOne(quantities: Int) {
        let strict = PushFailurePolicy(maximumFailures: 1, retryPause: .zero)
        #expect(strict.action(for: .call("x"), failuresBefore: 0, quantities: quantities)
            == (quantities > 1 ? .split : .setAside("Shopify failed this level's push 1 time: x")))
    }

    @Test("each refused quantity's code says what to do", arguments: [
        ("CHANGE_FROM_QUANTITY_STALE", LevelRefusal.stale), ("COMPARE_QUANTITY_STALE", .stale),
        ("INVALID_INVENTORY_ITEM", .itemGone), ("INVALID_LOCATION", .locationGone),
        ("ITEM_NOT_STOCKED_AT_LOCATION", .notStocked), ("NON_MUTABLE_INVENTORY_ITEM", .problem),
        ("INVALID_QUANTITY_TOO_HIGH", .problem), ("SOMETHING_NEW", .problem),
    ])
    func levelRefusals(code: String, kind: LevelRefusal) {
        #expect(LevelRefusal(code: code) == kind)
        #expect(LevelRefusal(code: nil) == .problem)
    }
}
