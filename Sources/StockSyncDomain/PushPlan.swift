/// Turns due levels into as few calls as possible.
package struct PushPlan: Sendable, Equatable {
    /// Each at most `limit` quantities, oldest changes first.
    package var batches: [[PushQuantity]] = []
    /// Shopify already holds the target: recorded as pushed without a call.
    package var alreadyCurrent: [DueLevel] = []
    /// The SKU's inventory item is not known yet: ask the store.
    package var needsItem: [DueLevel] = []
    /// The store has no item with the SKU: set aside until its ATS changes again.
    package var itemMissing: [DueLevel] = []
    /// The item is known but not what Shopify holds at the location: read it first.
    package var needsLevel: [DueLevel] = []

    /// Shopify's limit for the `quantities` input array.
    package static let maximumQuantitiesPerCall = 250

    /// `due` is in the order levels became due. Levels repeated for the same item and
    /// location are coalesced to the newest version.
    package init(due: [DueLevel], limit: Int = PushPlan.maximumQuantitiesPerCall) {
        precondition(limit > 0)
        var newest: [LevelKey: Int] = [:]
        var levels: [DueLevel] = []
        for level in due {
            if let index = newest[level.key] {
                if level.version > levels[index].version { levels[index] = level }
            } else {
                newest[level.key] = levels.count
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
