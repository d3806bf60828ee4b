import StockSyncDomain
/// Every GraphQL document the client sends, per API version. `Tests/` validates each one
/// against Shopify's published schema, so a document that drifts fails a test.
package enum AdminDocuments {
    /// Sets `available` for up to 250 levels, each compare-and-set against the quantity we
    /// expect Shopify to hold. Shopify applies all of them or none.
    package static func setAvailable(_ version: ShopifyAPIVersion) -> GraphQLOperation {
        let document = version.supportsIdempotencyKeys
            ? """
            mutation SetAvailable($input: InventorySetQuantitiesInput!, $idempotencyKey: String!) {
              inventorySetQuantities(input: $input) @idempotent(key: $idempotencyKey) {
                inventoryAdjustmentGroup { id }
                userErrors { code field message }
              }
            }
            """
            : """
            mutation SetAvailable($input: InventorySetQuantitiesInput!) {
              inventorySetQuantities(input: $input) {
                inventoryAdjustmentGroup { id }
                userErrors { code field message }
              }
            }
            """
        return GraphQLOperation(name: "SetAvailable", document: document, requestedCost: 10)
    }

    /// SKUs per `inventoryItemsBySKU` call, and the page size that leaves room for SKUs
    /// held by several variants.
    package static let skusPerLookup = 50
    static let itemsPerLookupPage = 100

    /// Inventory items by SKU, through Shopify's search syntax (`sku:"A" OR sku:"B"`).
    package static let inventoryItemsBySKU = GraphQLOperation(
        name: "InventoryItemsBySKU",
        document: """
        query InventoryItemsBySKU($first: Int!, $query: String!) {
          inventoryItems(first: $first, query: $query) {
            nodes { id sku }
          }
        }
        """,
        requestedCost: Double(2 + itemsPerLookupPage))

    /// Levels read per `availableLevels` call (3 points each).
    package static let levelsPerRead = 100

    /// `available` at given (item, location) pairs, one alias per pair.
    package static func availableLevels(count: Int) -> GraphQLOperation {
        precondition(count > 0)
        let variables = (0..<count).map { "$item\($0): ID!, $location\($0): ID!" }.joined(separator: ", ")
        let fields = (0..<count).map { index in
            """
              level\(index): inventoryItem(id: $item\(index)) {
                inventoryLevel(locationId: $location\(index)) { quantities(names: ["available"]) { name quantity } }
              }
            """
        }.joined(separator: "\n")
        return GraphQLOperation(name: "AvailableLevels\(count)",
                                document: "query AvailableLevels(\(variables)) {\n\(fields)\n}",
                                requestedCost: Double(3 * count))
    }

    /// SKUs per `inventoryItemLevelsBySKU` call (827 points at 25), and levels read per
    /// item (a store with more locations than that stocking one item needs the bulk path).
    package static let itemsPerLevelsPage = 25
    package static let levelsPerItem = 10

    /// Items by SKU with their `available` per location: reconciliation of a SKU list, a
    /// page of `first` items (the size of the SKU list asked).
    package static func inventoryItemLevelsBySKU(first: Int) -> GraphQLOperation {
        GraphQLOperation(
            name: "InventoryItemLevelsBySKU\(first)",
            document: """
            query InventoryItemLevelsBySKU($first: Int!, $query: String!, $after: String) {
              inventoryItems(first: $first, query: $query, after: $after) {
                nodes {
                  id
                  sku
                  inventoryLevels(first: \(levelsPerItem)) {
                    nodes {
                      location { id }
                      quantities(names: ["available"]) { name quantity }
                    }
                  }
                }
                pageInfo { hasNextPage endCursor }
              }
            }
            """,
            // Each item: itself 1, its levels' connection 2, each level 1 + location 1 + quantities 1.
            requestedCost: Double(2 + first * (1 + 2 + levelsPerItem * 3)))
    }

    /// Page sizes of `orderFulfillment`: 5 fulfillment orders of 50 lines each, 528 points.
    static let fulfillmentOrdersPerPage = 5
    static let linesPerFulfillmentOrderPage = 50

    /// Where Shopify deducted an order's stock: each fulfillment order's assigned location
    /// and its line items (for the order-worker), one page of fulfillment orders (`$after`
    /// their cursor). Both connections are paged with cursors as Shopify documents
    /// (https://shopify.dev/docs/api/usage/pagination-graphql): more fulfillment orders are
    /// asked with the page's `endCursor`, more lines of one with `fulfillmentOrderLines`.
    package static let orderFulfillment = GraphQLOperation(
        name: "OrderFulfillment",
        document: """
        query OrderFulfillment($id: ID!, $after: String) {
          order(id: $id) {
            id
            updatedAt
            fulfillmentOrders(first: \(fulfillmentOrdersPerPage), after: $after) {
              pageInfo { hasNextPage endCursor }
              nodes {
                id
                status
                assignedLocation { location { id } }
                lineItems(first: \(linesPerFulfillmentOrderPage)) {
                  pageInfo { hasNextPage endCursor }
                  nodes { totalQuantity lineItem { id sku } }
                }
              }
            }
          }
        }
        """,
        requestedCost: Double(1 + 2 + fulfillmentOrdersPerPage * (1 + 1 + 1 + 2 + linesPerFulfillmentOrderPage * 2)))

    static let fulfillmentOrderLinesPerPage = 250

    /// The lines of one fulfillment order after `$after` (its first page came with
    /// `orderFulfillment`): 503 points.
    package static let fulfillmentOrderLines = GraphQLOperation(
        name: "FulfillmentOrderLines",
        document: """
        query FulfillmentOrderLines($id: ID!, $after: String) {
          fulfillmentOrder(id: $id) {
            lineItems(first: \(fulfillmentOrderLinesPerPage), after: $after) {
              pageInfo { hasNextPage endCursor }
              nodes { totalQuantity lineItem { id sku } }
            }
          }
        }
        """,
        requestedCost: Double(1 + 2 + fulfillmentOrderLinesPerPage * 2))

    /// Orders asked for in one `ordersFulfillment` call: 16 × 53 points stays under
    /// Shopify's 1,000-point limit for a single query.
    package static let ordersPerFulfillmentQuery = 16

    /// `orderFulfillment` for `count` orders in one call, each under the alias `o<index>`,
    /// with pages small enough for 16 orders to fit in one query: an order whose fulfillment
    /// orders or lines do not fit (`hasNextPage`) is asked again alone.
    package static func ordersFulfillment(count: Int) -> GraphQLOperation {
        let variables = (0..<count).map { "$o\($0): ID!" }.joined(separator: ", ")
        let fields = (0..<count).map { "  o\($0): order(id: $o\($0)) { ...OrderPlacement }" }.joined(separator: "\n")
        return GraphQLOperation(
            name: "OrdersFulfillment\(count)",
            document: """
            query OrdersFulfillment\(count)(\(variables)) {
            \(fields)
            }

            fragment OrderPlacement on Order {
              fulfillmentOrders(first: 2) {
                pageInfo { hasNextPage }
                nodes {
                  id
                  assignedLocation { location { id } }
                  lineItems(first: 10) {
                    pageInfo { hasNextPage }
                    nodes { totalQuantity lineItem { id sku } }
                  }
                }
              }
            }
            """,
            requestedCost: Double(count * (1 + 2 + 2 * (1 + 2 + 2 + 10 * 2))))
    }

    /// Orders per page of `ordersUpdatedSince`, with their first 10 lines each: 652 points.
    static let ordersPerPage = 50
    static let linesPerListedOrder = 10

    /// The orders updated since a time, oldest change first, in brief (`OrderSummary`):
    /// `$query` is Shopify's search syntax (`updated_at:>='…'`,
    /// https://shopify.dev/docs/api/usage/search-syntax), the sort key `UPDATED_AT`
    /// (https://shopify.dev/docs/api/admin-graphql/latest/queries/orders).
    package static let ordersUpdatedSince = GraphQLOperation(
        name: "OrdersUpdatedSince",
        document: """
        query OrdersUpdatedSince($query: String!, $after: String) {
          orders(first: \(ordersPerPage), after: $after, sortKey: UPDATED_AT, query: $query) {
            pageInfo { hasNextPage endCursor }
            nodes {
              legacyResourceId
              updatedAt
              cancelledAt
              lineItems(first: \(linesPerListedOrder)) {
                pageInfo { hasNextPage }
                nodes { id currentQuantity }
              }
            }
          }
        }
        """,
        requestedCost: Double(2 + ordersPerPage * (1 + 2 + linesPerListedOrder)))

    /// Page sizes of `orderState`: its lines 100 a page, its first 10 refunds with 50 lines each.
    static let orderLinesPerPage = 100
    package static let refundsPerOrder = 10
    package static let linesPerRefund = 50

    /// An order's state as reservations need it (what an `orders/updated` body carries):
    /// its lines a page at a time (`$after`), and its refunds with their lines.
    package static let orderState = GraphQLOperation(
        name: "OrderState",
        document: """
        query OrderState($id: ID!, $after: String) {
          order(id: $id) {
            legacyResourceId
            name
            updatedAt
            cancelledAt
            lineItems(first: \(orderLinesPerPage), after: $after) {
              pageInfo { hasNextPage endCursor }
              nodes { id sku quantity currentQuantity }
            }
            refunds(first: \(refundsPerOrder)) {
              legacyResourceId
              refundLineItems(first: \(linesPerRefund)) {
                nodes { quantity restockType lineItem { id sku } location { id } }
              }
            }
          }
        }
        """,
        requestedCost: Double(1 + (2 + orderLinesPerPage) + 1 + 2 + linesPerRefund * (1 + 1 + 1)))

    static let locationsPerPage = 250

    package static let locations = GraphQLOperation(
        name: "Locations",
        document: """
        query Locations($first: Int!, $after: String) {
          locations(first: $first, after: $after, includeInactive: true) {
            nodes { id name isActive }
            pageInfo { hasNextPage endCursor }
          }
        }
        """,
        requestedCost: Double(2 + locationsPerPage))

    /// Every inventory item with its `available` per location, for a bulk operation.
    package static let catalogueBulkQuery = """
        {
          inventoryItems {
            edges {
              node {
                id
                sku
                inventoryLevels {
                  edges {
                    node {
                      location { id }
                      quantities(names: ["available"]) { name quantity }
                    }
                  }
                }
              }
            }
          }
        }
        """

    package static let runBulkQuery = GraphQLOperation(
        name: "RunBulkQuery",
        document: """
        mutation RunBulkQuery($query: String!) {
          bulkOperationRunQuery(query: $query) {
            bulkOperation { id status }
            userErrors { code field message }
          }
        }
        """,
        requestedCost: 10)

    package static let currentBulkOperation = GraphQLOperation(
        name: "CurrentBulkOperation",
        document: """
        query CurrentBulkOperation {
          currentBulkOperation(type: QUERY) { id status errorCode objectCount url }
        }
        """,
        requestedCost: 1)

    /// The app's shop-specific webhook subscriptions, 50 a page. `callbackUrl` (deprecated
    /// for `uri` from 2025-10, still served) is the name every supported version has.
    package static let webhookSubscriptions = GraphQLOperation(
        name: "WebhookSubscriptions",
        document: """
        query WebhookSubscriptions($after: String) {
          webhookSubscriptions(first: 50, after: $after) {
            pageInfo { hasNextPage endCursor }
            nodes { id topic callbackUrl }
          }
        }
        """,
        requestedCost: 2 + 50)

    /// https://shopify.dev/docs/api/admin-graphql/latest/mutations/webhookSubscriptionCreate
    package static let webhookSubscriptionCreate = GraphQLOperation(
        name: "WebhookSubscriptionCreate",
        document: """
        mutation WebhookSubscriptionCreate($topic: WebhookSubscriptionTopic!, $callbackUrl: URL!) {
          webhookSubscriptionCreate(topic: $topic, webhookSubscription: { callbackUrl: $callbackUrl, format: JSON }) {
            webhookSubscription { id topic callbackUrl }
            userErrors { field message }
          }
        }
        """,
        requestedCost: 10)

    /// Stocks an item at a location (https://shopify.dev/docs/api/admin-graphql/latest/mutations/inventoryActivate);
    /// an item stocked there already is left as it is.
    package static let inventoryActivate = GraphQLOperation(
        name: "InventoryActivate",
        document: """
        mutation InventoryActivate($inventoryItemId: ID!, $locationId: ID!) {
          inventoryActivate(inventoryItemId: $inventoryItemId, locationId: $locationId) {
            inventoryLevel { quantities(names: ["available"]) { name quantity } }
            userErrors { field message }
          }
        }
        """,
        requestedCost: 10)

    /// Every document, for schema validation; `availableLevels` at a small size.
    package static func all(_ version: ShopifyAPIVersion) -> [GraphQLOperation] {
        [setAvailable(version), inventoryItemsBySKU, inventoryItemLevelsBySKU(first: itemsPerLevelsPage), orderFulfillment, fulfillmentOrderLines,
         ordersFulfillment(count: 2), ordersUpdatedSince, orderState,
         availableLevels(count: 2), locations, runBulkQuery,
         currentBulkOperation, webhookSubscriptions, webhookSubscriptionCreate, inventoryActivate,
         GraphQLOperation(name: "CatalogueBulkQuery", document: catalogueBulkQuery, requestedCost: 0)]
    }
}
