-- How far each shop's orders were read back from the Admin API (`OrderBackfill`): every
-- order updated up to `read_through` is known, by webhook or by the read; a read starts a
-- little before it (ORDER_BACKFILL_SETTLE_SECONDS), since Shopify's search may show a
-- change late. How many orders were read back, and when last: a shop whose orders come
-- this way and not as webhooks has lost its webhooks.
CREATE TABLE order_backfill (
    shop             text PRIMARY KEY REFERENCES shops ON DELETE CASCADE,
    read_through     timestamptz NOT NULL,
    read_back_orders bigint NOT NULL DEFAULT 0,
    read_back_at     timestamptz
);

-- When the order-worker last applied a delivery of each topic from each shop.
CREATE TABLE webhook_deliveries (
    shop    text NOT NULL REFERENCES shops ON DELETE CASCADE,
    topic   text NOT NULL,
    last_at timestamptz NOT NULL,
    PRIMARY KEY (shop, topic)
);
