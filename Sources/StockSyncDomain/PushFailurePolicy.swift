/// What the pusher does with a written-down push that Shopify did not apply, by how it
/// failed and how often it has: a push must never stall its shop by failing forever, nor be
/// set aside whole when one of its levels is the cause (that would leave Shopify selling
/// stock the ERP no longer has at every other level of it). Faults of the shop itself (its
/// token refused, a scope missing) are not the push's: the pusher stops the shop for those.
package struct PushFailurePolicy: Sendable, Equatable {
    /// How a call failed, as far as what to do next goes.
    package enum Failure: Sendable, Equatable {
        /// The call failed as a whole without saying which quantity (a top-level GraphQL
        /// error such as INTERNAL_SERVER_ERROR, a 4xx, an answer that cannot be read): it may
        /// pass if sent again, or one of its levels may always make it fail.
        case call(String)
        /// Shopify refused the call as a whole naming no quantity: sent again, it is
        /// refused again.
        case refusedWhole(String)
    }

    package enum Action: Sendable, Equatable {
        /// Send it again after this pause; the failure is counted.
        case retry(after: Duration)
        /// Replace it by its two halves, each one failure short of the limit, to find the
        /// level at fault.
        case split
        /// A push of one level that keeps failing: set that level aside as a problem.
        case setAside(String)
    }

    package var maximumFailures: Int
    package var retryPause: Duration

    package init(maximumFailures: Int, retryPause: Duration) {
        self.maximumFailures = maximumFailures
        self.retryPause = retryPause
    }

    /// Failures counted on each half of a split push: one more and it is split again.
    package var failuresOfHalves: Int { maximumFailures - 1 }

    /// - Parameters:
    ///   - failuresBefore: failures counted on this push before this one.
    ///   - quantities: levels the push sets.
    package func action(for failure: Failure, failuresBefore: Int, quantities: Int) -> Action {
        switch failure {
        case .call(let message):
            let failures = failuresBefore + 1
            if failures < maximumFailures { return .retry(after: retryPause * failures) }
            return quantities > 1 ? .split : .setAside("Shopify failed this level's push \(failures) time\(failures == 1 ? "" : "s"): \(message)")
        case .refusedWhole(let message):
            return quantities > 1 ? .split : .setAside(message)
        }
    }
}

/// What one refused quantity of a push means, by Shopify's `InventorySetQuantitiesUserErrorCode`
/// (https://shopify.dev/docs/api/admin-graphql/latest/enums/InventorySetQuantitiesUserErrorCode).
/// Nothing of a refused call applied; levels not named stay due and go in the next call.
package enum LevelRefusal: Sendable, Equatable {
    /// Shopify holds another quantity than the one compared against: read it again.
    case stale
    /// The inventory item is gone (deleted, or replaced by another): find the SKU's item again.
    case itemGone
    /// The location is gone: read the store's locations again.
    case locationGone
    /// The item is not stocked at the location: activated there, or set aside, by the shop's
    /// policy.
    case notStocked
    /// Anything else (a bundle's parent, a quantity out of range): set aside until the
    /// level's ATS changes.
    case problem

    package init(code: String?) {
        switch code {
        case "CHANGE_FROM_QUANTITY_STALE", "COMPARE_QUANTITY_STALE": self = .stale
        case "INVALID_INVENTORY_ITEM": self = .itemGone
        case "INVALID_LOCATION": self = .locationGone
        case "ITEM_NOT_STOCKED_AT_LOCATION": self = .notStocked
        default: self = .problem
        }
    }
}
