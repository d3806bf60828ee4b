-- Shopify orders as ERP reservations: the orders and lines seen, their reservations per
-- warehouse, refunds, incidents, and the outbox of reservation events for the ERP.

-- The routing rule of a shop: warehouses feeding one location are tried in ascending
-- priority (then by name) when an order line is reserved.
ALTER TABLE warehouse_locations ADD COLUMN priority integer NOT NULL DEFAULT 0;

-- Units of each level held by open order reservations (the sum of
-- order_reservations.reserved), kept apart from the ERP's own `reserved`, which
-- snapshots overwrite. ATS subtracts both.
ALTER TABLE stock_levels ADD COLUMN order_reserved bigint NOT NULL DEFAULT 0;

-- Units Shopify deducted for orders (and put back) that the order-worker learnt of and the
-- push side has not folded into `expected` yet: it folds them after it sets `expected`
-- from a push Shopify confirmed or a level it read, so that neither overwrites the other.
ALTER TABLE shopify_levels
    ADD COLUMN pending_deducted  bigint NOT NULL DEFAULT 0,
    ADD COLUMN pending_restocked bigint NOT NULL DEFAULT 0;
CREATE INDEX shopify_levels_pending ON shopify_levels (shop) WHERE pending_deducted <> 0 OR pending_restocked <> 0;

-- Deliveries already applied, by Shopify's X-Shopify-Event-Id: a duplicate changes nothing.
CREATE TABLE order_webhook_events (
    event_id    text PRIMARY KEY,
    shop        text NOT NULL,
    order_id    text NOT NULL,
    topic       text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);

-- The newest state of each order applied, by Shopify's updated_at (whole seconds) and then
-- the X-Shopify-Triggered-At of its event: an older state that arrives late changes nothing.
CREATE TABLE shopify_orders (
    shop         text NOT NULL,
    order_id     text NOT NULL,
    name         text NOT NULL DEFAULT '',
    updated_at   timestamptz,  -- NULL: known only from a refund or a fulfilment so far
    triggered_at timestamptz,
    cancelled    boolean NOT NULL DEFAULT false,
    PRIMARY KEY (shop, order_id)
);

-- Each line: what the newest order state asks for, where Shopify took the stock, and how
-- many units we have told the push side Shopify deducted.
CREATE TABLE order_lines (
    shop           text NOT NULL,
    order_id       text NOT NULL,
    line_id        text NOT NULL,
    sku            text,
    location       text,     -- the Shopify location Shopify deducted at
    state_quantity bigint NOT NULL DEFAULT 0,  -- current_quantity in the newest state
    state_refunded bigint NOT NULL DEFAULT 0,  -- refunded units that state already counts
    deducted       bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (shop, order_id, line_id)
);

-- Refunded units per refund and line, from refunds/create or an order's refunds[]: each once.
CREATE TABLE order_refund_lines (
    shop         text NOT NULL,
    refund_id    text NOT NULL,
    line_id      text NOT NULL,
    order_id     text NOT NULL,
    quantity     bigint NOT NULL,
    restock_type text NOT NULL,
    location     text,
    PRIMARY KEY (shop, refund_id, line_id)
);
CREATE INDEX order_refund_lines_order ON order_refund_lines (shop, order_id);

-- A line's reservation in one warehouse: `reserved` units still open (of which
-- `backordered` exceeded the warehouse's stock when reserved) and `fulfilled` units shipped.
CREATE TABLE order_reservations (
    shop        text NOT NULL,
    order_id    text NOT NULL,
    line_id     text NOT NULL,
    warehouse   text NOT NULL,
    sku         text NOT NULL,
    reserved    bigint NOT NULL DEFAULT 0 CHECK (reserved >= 0),
    backordered bigint NOT NULL DEFAULT 0 CHECK (backordered >= 0 AND backordered <= reserved),
    fulfilled   bigint NOT NULL DEFAULT 0 CHECK (fulfilled >= 0),
    PRIMARY KEY (shop, order_id, line_id, warehouse)
);

-- Lines that could not be reserved as asked: unknown SKU, unmapped location, backorder
-- (oversold), no fulfilment location. The order is still recorded.
CREATE TABLE order_incidents (
    shop       text NOT NULL,
    order_id   text NOT NULL,
    line_id    text NOT NULL,
    kind       text NOT NULL,
    sku        text,
    quantity   bigint NOT NULL DEFAULT 0,
    detail     text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shop, order_id, line_id, kind)
);
CREATE INDEX order_incidents_recent ON order_incidents (created_at);

-- Reservation events written in the transaction that made the change, published with
-- confirms and deleted after: published if and only if the change committed.
CREATE TABLE reservation_outbox (
    id          bigserial PRIMARY KEY,
    routing_key text NOT NULL,
    message_id  text NOT NULL,
    body        text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
