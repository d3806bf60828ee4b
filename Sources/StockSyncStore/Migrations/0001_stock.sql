-- Shops, the ERP's stock, and available-to-sell with its push outbox.

-- A Shopify store, by its myshopify.com domain.
CREATE TABLE shops (
    shop                  text PRIMARY KEY,
    default_safety_buffer integer NOT NULL DEFAULT 0 CHECK (default_safety_buffer >= 0),
    created_at            timestamptz NOT NULL DEFAULT now()
);

-- ERP warehouses feeding Shopify locations: many-to-one within a shop; a warehouse may
-- feed locations of several shops.
CREATE TABLE warehouse_locations (
    shop      text NOT NULL REFERENCES shops ON DELETE CASCADE,
    warehouse text NOT NULL,
    location  text NOT NULL,
    PRIMARY KEY (shop, warehouse)
);

-- Safety buffer overrides; location '' applies to every location of the shop.
CREATE TABLE safety_buffers (
    shop     text NOT NULL REFERENCES shops ON DELETE CASCADE,
    sku      text NOT NULL,
    location text NOT NULL DEFAULT '',
    buffer   integer NOT NULL CHECK (buffer >= 0),
    PRIMARY KEY (shop, sku, location)
);
CREATE INDEX safety_buffers_sku ON safety_buffers (sku);

-- The ERP's quantities per (sku, warehouse).
-- fillfactor leaves room on each page, so updates stay on the page (HOT) and touch no index.
CREATE TABLE stock_levels (
    sku              text NOT NULL,
    warehouse        text NOT NULL,
    on_hand          bigint NOT NULL,
    allocated        bigint NOT NULL,
    reserved         bigint NOT NULL,
    snapshot_version bigint NOT NULL DEFAULT 0,  -- newest snapshot applied; 0 = none yet
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (sku, warehouse)
) WITH (fillfactor = 80);

-- Every adjustment applied, by event id: applied once, and the sequenced ones are
-- re-applied on top of a newer snapshot that does not include them.
CREATE TABLE stock_adjustments (
    event_id        text PRIMARY KEY,
    sku             text NOT NULL,
    warehouse       text NOT NULL,
    version         bigint,  -- the ERP ledger version; NULL for unsequenced movements
    on_hand_delta   bigint NOT NULL,
    allocated_delta bigint NOT NULL,
    reserved_delta  bigint NOT NULL,
    occurred_at     timestamptz NOT NULL,
    applied_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX stock_adjustments_sequenced ON stock_adjustments (sku, warehouse, version) WHERE version IS NOT NULL;

-- Available-to-sell per level Shopify shows. A row whose version is ahead of
-- pushed_version is due for a push: this table is the push outbox, and it coalesces
-- every change to a level into its latest value. No foreign key to shops: its check
-- would lock the shop's row for every insert, and every worker inserts for every shop.
CREATE TABLE available_to_sell (
    shop           text NOT NULL,
    sku            text NOT NULL,
    location       text NOT NULL,
    available      bigint NOT NULL CHECK (available >= 0),
    version        bigint NOT NULL DEFAULT 1,
    pushed_version bigint NOT NULL DEFAULT 0,
    changed_at     timestamptz NOT NULL DEFAULT now(),
    due_since      timestamptz,  -- ERP time of the oldest change not yet pushed
    PRIMARY KEY (sku, shop, location)  -- workers read and write by SKU
);
CREATE INDEX available_to_sell_due ON available_to_sell (shop, changed_at) WHERE version > pushed_version;
