import Foundation
import StockSyncDomain

/// The part of Shopify's Admin GraphQL schema the simulator serves, with Shopify's own
/// names and types (a test checks every line against Shopify's published schema). A
/// line tagged `# since V` exists from API version V on, `# until V` before V: that is how
/// the 2026 inventory changes (changeFromQuantity, @idempotent) appear per version.
enum AdminSchema {
    static func sdl(for version: ShopifyAPIVersion) -> String {
        source.split(separator: "\n", omittingEmptySubsequences: false).compactMap { line -> Substring? in
            guard let tag = line.range(of: "# since ") ?? line.range(of: "# until ") else { return line }
            guard let bound = ShopifyAPIVersion(line[tag.upperBound...].prefix(7)) else { return line }
            let since = line[tag].hasPrefix("# since")
            return (since ? version >= bound : version < bound) ? line[..<tag.lowerBound] : nil
        }.joined(separator: "\n")
    }

    static let source = """
        schema {
          query: QueryRoot
          mutation: Mutation
        }

        directive @idempotent(key: String!) on FIELD # since 2026-01

        scalar DateTime
        scalar URL
        scalar UnsignedInt64

        type QueryRoot {
          inventoryItem(id: ID!): InventoryItem
          inventoryItems(first: Int, after: String, last: Int, before: String, reverse: Boolean, query: String): InventoryItemConnection!
          location(id: ID): Location
          locations(first: Int, after: String, last: Int, before: String, reverse: Boolean, query: String, includeLegacy: Boolean, includeInactive: Boolean): LocationConnection!
          currentBulkOperation(type: BulkOperationType): BulkOperation
          order(id: ID!): Order
          orders(first: Int, after: String, last: Int, before: String, reverse: Boolean, sortKey: OrderSortKeys, query: String, savedSearchId: ID): OrderConnection!
          fulfillmentOrder(id: ID!): FulfillmentOrder
          webhookSubscriptions(first: Int, after: String, last: Int, before: String, reverse: Boolean, topics: [WebhookSubscriptionTopic!]): WebhookSubscriptionConnection!
        }

        type Mutation {
          inventorySetQuantities(input: InventorySetQuantitiesInput!): InventorySetQuantitiesPayload
          inventoryAdjustQuantities(input: InventoryAdjustQuantitiesInput!): InventoryAdjustQuantitiesPayload
          bulkOperationRunQuery(query: String!): BulkOperationRunQueryPayload
          webhookSubscriptionCreate(topic: WebhookSubscriptionTopic!, webhookSubscription: WebhookSubscriptionInput!): WebhookSubscriptionCreatePayload
          inventoryActivate(inventoryItemId: ID!, locationId: ID!, available: Int): InventoryActivatePayload
        }

        type InventoryActivatePayload {
          inventoryLevel: InventoryLevel
          userErrors: [UserError!]!
        }

        type WebhookSubscription {
          id: ID!
          topic: WebhookSubscriptionTopic!
          callbackUrl: URL!
          format: WebhookSubscriptionFormat!
          createdAt: DateTime!
        }

        type WebhookSubscriptionConnection {
          edges: [WebhookSubscriptionEdge!]!
          nodes: [WebhookSubscription!]!
          pageInfo: PageInfo!
        }

        type WebhookSubscriptionEdge {
          cursor: String!
          node: WebhookSubscription!
        }

        type WebhookSubscriptionCreatePayload {
          userErrors: [UserError!]!
          webhookSubscription: WebhookSubscription
        }

        type UserError {
          field: [String!]
          message: String!
        }

        input WebhookSubscriptionInput {
          callbackUrl: URL
          format: WebhookSubscriptionFormat
        }

        enum WebhookSubscriptionFormat {
          JSON
          XML
        }

        enum WebhookSubscriptionTopic {
          APP_UNINSTALLED
          INVENTORY_LEVELS_UPDATE
          ORDERS_CANCELLED
          ORDERS_CREATE
          ORDERS_UPDATED
          REFUNDS_CREATE
        }

        type PageInfo {
          endCursor: String
          hasNextPage: Boolean!
          hasPreviousPage: Boolean!
          startCursor: String
        }

        type InventoryItem {
          id: ID!
          legacyResourceId: UnsignedInt64!
          sku: String
          tracked: Boolean!
          inventoryLevel(locationId: ID!): InventoryLevel
          inventoryLevels(first: Int, after: String, last: Int, before: String, reverse: Boolean, query: String): InventoryLevelConnection!
        }

        type InventoryItemConnection {
          edges: [InventoryItemEdge!]!
          nodes: [InventoryItem!]!
          pageInfo: PageInfo!
        }

        type InventoryItemEdge {
          cursor: String!
          node: InventoryItem!
        }

        type InventoryLevel {
          id: ID!
          item: InventoryItem!
          location: Location!
          quantities(names: [String!]!): [InventoryQuantity!]!
        }

        type InventoryLevelConnection {
          edges: [InventoryLevelEdge!]!
          nodes: [InventoryLevel!]!
          pageInfo: PageInfo!
        }

        type InventoryLevelEdge {
          cursor: String!
          node: InventoryLevel!
        }

        type InventoryQuantity {
          id: ID!
          name: String!
          quantity: Int!
        }

        type Location {
          id: ID!
          isActive: Boolean!
          legacyResourceId: UnsignedInt64!
          name: String!
        }

        type LocationConnection {
          edges: [LocationEdge!]!
          nodes: [Location!]!
          pageInfo: PageInfo!
        }

        type LocationEdge {
          cursor: String!
          node: Location!
        }

        type Order {
          cancelledAt: DateTime
          fulfillmentOrders(first: Int, after: String): FulfillmentOrderConnection!
          id: ID!
          legacyResourceId: UnsignedInt64!
          lineItems(first: Int, after: String, last: Int, before: String, reverse: Boolean): LineItemConnection!
          name: String!
          refunds(first: Int): [Refund!]!
          updatedAt: DateTime!
        }

        type OrderConnection {
          edges: [OrderEdge!]!
          nodes: [Order!]!
          pageInfo: PageInfo!
        }

        type OrderEdge {
          cursor: String!
          node: Order!
        }

        enum OrderSortKeys {
          CREATED_AT
          CUSTOMER_NAME
          DESTINATION
          FINANCIAL_STATUS
          FULFILLMENT_STATUS
          ID
          ORDER_NUMBER
          PO_NUMBER
          PROCESSED_AT
          RELEVANCE
          TOTAL_ITEMS_QUANTITY
          TOTAL_PRICE
          UPDATED_AT
        }

        type LineItemConnection {
          edges: [LineItemEdge!]!
          nodes: [LineItem!]!
          pageInfo: PageInfo!
        }

        type LineItemEdge {
          cursor: String!
          node: LineItem!
        }

        type Refund {
          createdAt: DateTime
          id: ID!
          legacyResourceId: UnsignedInt64!
          refundLineItems(first: Int, after: String, last: Int, before: String, reverse: Boolean): RefundLineItemConnection!
        }

        type RefundLineItem {
          lineItem: LineItem!
          location: Location
          quantity: Int!
          restockType: RefundLineItemRestockType!
          restocked: Boolean!
        }

        type RefundLineItemConnection {
          edges: [RefundLineItemEdge!]!
          nodes: [RefundLineItem!]!
          pageInfo: PageInfo!
        }

        type RefundLineItemEdge {
          cursor: String!
          node: RefundLineItem!
        }

        enum RefundLineItemRestockType {
          RETURN
          CANCEL
          LEGACY_RESTOCK
          NO_RESTOCK
        }

        type FulfillmentOrder {
          assignedLocation: FulfillmentOrderAssignedLocation!
          id: ID!
          lineItems(first: Int, after: String): FulfillmentOrderLineItemConnection!
          status: FulfillmentOrderStatus!
        }

        type FulfillmentOrderAssignedLocation {
          location: Location
          name: String!
        }

        type FulfillmentOrderConnection {
          edges: [FulfillmentOrderEdge!]!
          nodes: [FulfillmentOrder!]!
          pageInfo: PageInfo!
        }

        type FulfillmentOrderEdge {
          cursor: String!
          node: FulfillmentOrder!
        }

        type FulfillmentOrderLineItem {
          id: ID!
          lineItem: LineItem!
          remainingQuantity: Int!
          sku: String
          totalQuantity: Int!
        }

        type FulfillmentOrderLineItemConnection {
          edges: [FulfillmentOrderLineItemEdge!]!
          nodes: [FulfillmentOrderLineItem!]!
          pageInfo: PageInfo!
        }

        type FulfillmentOrderLineItemEdge {
          cursor: String!
          node: FulfillmentOrderLineItem!
        }

        enum FulfillmentOrderStatus {
          OPEN
          IN_PROGRESS
          CANCELLED
          INCOMPLETE
          CLOSED
          SCHEDULED
          ON_HOLD
        }

        type LineItem {
          currentQuantity: Int!
          id: ID!
          quantity: Int!
          sku: String
        }

        input InventorySetQuantitiesInput {
          reason: String!
          name: String!
          referenceDocumentUri: String
          quantities: [InventoryQuantityInput!]!
          ignoreCompareQuantity: Boolean # until 2026-04
        }

        input InventoryQuantityInput {
          inventoryItemId: ID!
          locationId: ID!
          quantity: Int!
          compareQuantity: Int # until 2026-04
          changeFromQuantity: Int # since 2026-01
        }

        input InventoryAdjustQuantitiesInput {
          reason: String!
          name: String!
          referenceDocumentUri: String
          changes: [InventoryChangeInput!]!
        }

        input InventoryChangeInput {
          delta: Int!
          inventoryItemId: ID!
          locationId: ID!
          ledgerDocumentUri: String
          changeFromQuantity: Int # since 2026-01
        }

        type InventoryAdjustmentGroup {
          changes(inventoryItemIds: [ID!], locationIds: [ID!], quantityNames: [String!]): [InventoryChange!]!
          createdAt: DateTime!
          id: ID!
          reason: String!
          referenceDocumentUri: String
        }

        type InventoryChange {
          delta: Int!
          item: InventoryItem
          location: Location
          name: String!
          quantityAfterChange: Int
        }

        type InventorySetQuantitiesPayload {
          inventoryAdjustmentGroup: InventoryAdjustmentGroup
          userErrors: [InventorySetQuantitiesUserError!]!
        }

        type InventorySetQuantitiesUserError {
          code: InventorySetQuantitiesUserErrorCode
          field: [String!]
          message: String!
        }

        enum InventorySetQuantitiesUserErrorCode {
          INVALID_INVENTORY_ITEM
          INVALID_LOCATION
          INVALID_QUANTITY_NEGATIVE
          INVALID_REASON
          INVALID_REFERENCE_DOCUMENT
          ITEM_NOT_STOCKED_AT_LOCATION
          INVALID_QUANTITY_TOO_HIGH
          INVALID_QUANTITY_TOO_LOW
          COMPARE_QUANTITY_REQUIRED
          COMPARE_QUANTITY_STALE
          INVALID_NAME
          NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR
          NON_MUTABLE_INVENTORY_ITEM
          CHANGE_FROM_QUANTITY_STALE # since 2026-01
          IDEMPOTENCY_CONCURRENT_REQUEST # since 2026-01
          IDEMPOTENCY_KEY_PARAMETER_MISMATCH # since 2026-01
        }

        type InventoryAdjustQuantitiesPayload {
          inventoryAdjustmentGroup: InventoryAdjustmentGroup
          userErrors: [InventoryAdjustQuantitiesUserError!]!
        }

        type InventoryAdjustQuantitiesUserError {
          code: InventoryAdjustQuantitiesUserErrorCode
          field: [String!]
          message: String!
        }

        enum InventoryAdjustQuantitiesUserErrorCode {
          INVALID_INVENTORY_ITEM
          INVALID_LOCATION
          INVALID_QUANTITY_NAME
          INVALID_QUANTITY_TOO_LOW
          INVALID_QUANTITY_TOO_HIGH
          INVALID_REASON
          INVALID_REFERENCE_DOCUMENT
          ITEM_NOT_STOCKED_AT_LOCATION
          NON_MUTABLE_INVENTORY_ITEM
          CHANGE_FROM_QUANTITY_STALE # since 2026-01
          IDEMPOTENCY_CONCURRENT_REQUEST # since 2026-01
          IDEMPOTENCY_KEY_PARAMETER_MISMATCH # since 2026-01
        }

        type BulkOperation {
          completedAt: DateTime
          createdAt: DateTime!
          errorCode: BulkOperationErrorCode
          fileSize: UnsignedInt64
          id: ID!
          objectCount: UnsignedInt64!
          partialDataUrl: URL
          query: String!
          rootObjectCount: UnsignedInt64!
          status: BulkOperationStatus!
          type: BulkOperationType!
          url: URL
        }

        enum BulkOperationErrorCode {
          ACCESS_DENIED
          INTERNAL_SERVER_ERROR
          TIMEOUT
        }

        enum BulkOperationStatus {
          CANCELED
          CANCELING
          COMPLETED
          CREATED
          EXPIRED
          FAILED
          RUNNING
        }

        enum BulkOperationType {
          QUERY
          MUTATION
        }

        type BulkOperationRunQueryPayload {
          bulkOperation: BulkOperation
          userErrors: [BulkOperationUserError!]!
        }

        type BulkOperationUserError {
          code: BulkOperationUserErrorCode
          field: [String!]
          message: String!
        }

        enum BulkOperationUserErrorCode {
          OPERATION_IN_PROGRESS
          INVALID
        }
        """
}
