/// What we believe one Shopify inventory level holds, so that a push can be a
/// compare-and-set that never undoes a deduction Shopify made itself.
///
/// `expected` is the `available` quantity Shopify last confirmed, moved by every deduction
/// we learn of since. `unreservedSold` counts units Shopify deducted (orders we have not
/// seen as ERP reservations yet); they are held back from every push until the order
/// reaches the ERP, so a push computed before the order arrived cannot sell them again.
public struct LevelExpectation: Sendable, Equatable {
    public var expected: Int?
    public var unreservedSold: Int

    public init(expected: Int? = nil, unreservedSold: Int = 0) {
        self.expected = expected
        self.unreservedSold = unreservedSold
    }

    /// The quantity to set for an ERP available-to-sell of `available`.
    public func target(forAvailable available: Int) -> Int {
        max(0, available - unreservedSold)
    }

    /// Shopify confirmed it now holds `quantity`.
    public mutating func confirmed(_ quantity: Int) {
        expected = quantity
    }

    /// Shopify refused a push as stale and then showed `actual`. A shortfall against what we
    /// expected is units sold that the ERP has not reserved yet; a surplus (someone added
    /// stock in Shopify's admin) is simply overwritten by the next push.
    public mutating func observedStale(actual: Int) {
        if let expected, expected > actual {
            unreservedSold += expected - actual
        }
        expected = actual
    }

    /// An order we know of deducted `quantity` at this level. Units already held back as
    /// unreserved sales are that order's, so they stop being held back; the rest is a
    /// deduction Shopify made after its last confirmation.
    public mutating func orderDeducted(_ quantity: Int) {
        let absorbed = min(quantity, unreservedSold)
        unreservedSold -= absorbed
        if let current = expected {
            expected = current - (quantity - absorbed)
        }
    }

    /// Shopify put `quantity` units back (cancellation or refund with restock).
    public mutating func restocked(_ quantity: Int) {
        if let current = expected {
            expected = current + quantity
        }
    }
}

/// One level of the push outbox, with what is known of it on Shopify's side.
public struct DueLevel: Sendable, Equatable {
    public var sku: String
    public var location: String
    /// ERP available-to-sell and its version in the outbox.
    public var available: Int
    public var version: Int
    /// Shopify's inventory item for the SKU, when resolved.
    public var inventoryItemID: String?
    /// The store was asked lately and has no item with this SKU.
    public var itemMissing: Bool
    public var expectation: LevelExpectation

    public init(sku: String, location: String, available: Int, version: Int, inventoryItemID: String?,
                itemMissing: Bool = false, expectation: LevelExpectation) {
        self.sku = sku
        self.location = location
        self.available = available
        self.version = version
        self.inventoryItemID = inventoryItemID
        self.itemMissing = itemMissing
        self.expectation = expectation
    }
}

/// One quantity of an `inventorySetQuantities` call.
public struct PushQuantity: Sendable, Equatable, Codable {
    public var sku: String
    public var inventoryItemID: String
    public var location: String
    public var quantity: Int
    /// The quantity Shopify must hold for the write to apply.
    public var changeFrom: Int
    /// The outbox version this write carries.
    public var version: Int

    public init(sku: String, inventoryItemID: String, location: String, quantity: Int, changeFrom: Int, version: Int) {
        self.sku = sku
        self.inventoryItemID = inventoryItemID
        self.location = location
        self.quantity = quantity
        self.changeFrom = changeFrom
        self.version = version
    }
}

/// Turns due levels into as few calls as possible.
public struct PushPlan: Sendable, Equatable {
    /// Each at most `limit` quantities, oldest changes first.
    public var batches: [[PushQuantity]] = []
    /// Shopify already holds the target: recorded as pushed without a call.
    public var alreadyCurrent: [DueLevel] = []
    /// The SKU's inventory item is not known yet: ask the store.
    public var needsItem: [DueLevel] = []
    /// The store has no item with the SKU: set aside until its ATS changes again.
    public var itemMissing: [DueLevel] = []
    /// The item is known but not what Shopify holds at the location: read it first.
    public var needsLevel: [DueLevel] = []

    /// Shopify's limit for the `quantities` input array.
    public static let maximumQuantitiesPerCall = 250

    /// `due` is in the order levels became due. Levels repeated for the same item and
    /// location are coalesced to the newest version.
    public init(due: [DueLevel], limit: Int = PushPlan.maximumQuantitiesPerCall) {
        precondition(limit > 0)
        var newest: [String: Int] = [:]
        var levels: [DueLevel] = []
        for level in due {
            let key = level.sku + "\u{0}" + level.location
            if let index = newest[key] {
                if level.version > levels[index].version { levels[index] = level }
            } else {
                newest[key] = levels.count
                levels.append(level)
            }
        }
        var quantities: [PushQuantity] = []
        for level in levels {
            guard let item = level.inventoryItemID else {
                if level.itemMissing { itemMissing.append(level) } else { needsItem.append(level) }
                continue
            }
            guard let expected = level.expectation.expected else {
                needsLevel.append(level)
                continue
            }
            let target = level.expectation.target(forAvailable: level.available)
            if target == expected {
                alreadyCurrent.append(level)
                continue
            }
            quantities.append(PushQuantity(sku: level.sku, inventoryItemID: item, location: level.location,
                                           quantity: target, changeFrom: expected, version: level.version))
        }
        var start = 0
        while start < quantities.count {
            let end = min(start + limit, quantities.count)
            batches.append(Array(quantities[start..<end]))
            start = end
        }
    }
}
