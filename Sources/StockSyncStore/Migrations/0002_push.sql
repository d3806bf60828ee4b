-- Pushing available-to-sell to Shopify: how to reach each shop, what Shopify calls our
-- SKUs, what we expect each Shopify level to hold, and pushes in flight.

-- The app's offline access token is kept with the shop, as Shopify apps keep it; shops
-- without one are not pushed. admin_url NULL means https://<shop>.
ALTER TABLE shops
    ADD COLUMN api_version  text NOT NULL DEFAULT '2026-07',
    ADD COLUMN admin_url    text,
    ADD COLUMN access_token text;

-- SKU -> Shopify inventory item. inventory_item_id NULL: the store has no item with this
-- SKU when last checked (reported, and checked again later).
CREATE TABLE shopify_items (
    shop              text NOT NULL,
    sku               text NOT NULL,
    inventory_item_id text,
    checked_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shop, sku)
);

-- What we expect each Shopify level's `available` to be (LevelExpectation in the code).
-- problem: why the level could not be pushed at outbox version problem_version (Shopify
-- refused it, or the store lacks its item or location). Such a level is set aside: its
-- outbox row counts as handled, so available_to_sell.pushed_version means "the newest
-- version pushed or set aside", until its ATS changes or `stocksync shopify sync` retries it.
CREATE TABLE shopify_levels (
    shop             text NOT NULL,
    sku              text NOT NULL,
    location         text NOT NULL,
    expected         bigint,
    unreserved_sold  bigint NOT NULL DEFAULT 0 CHECK (unreserved_sold >= 0),
    unreserved_since timestamptz,  -- when units began to be held back; NULL when none are
    pushed_available bigint,
    pushed_at        timestamptz,
    problem          text,
    problem_version  bigint,
    PRIMARY KEY (shop, sku, location)
);

-- A push written down before it is sent, and removed in the transaction that records
-- Shopify's answer: after a crash it is sent again with the same idempotency key, so
-- Shopify answers it once.
CREATE TABLE shopify_push_intents (
    shop            text NOT NULL,
    idempotency_key text NOT NULL,
    quantities      jsonb NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (shop, idempotency_key)
);
