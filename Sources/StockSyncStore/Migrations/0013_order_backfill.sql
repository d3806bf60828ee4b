-- How far each shop's orders were read back from the Admin API (`OrderBackfill`): every
-- order updated up to `read_through` is known, by webhook or by the read; a read starts a
-- little before it (ORDER_BACKFILL_SETTLE_SECONDS), since Shopify's search may show a
-- change late.
CREATE TABLE order_backfill (
    shop         text PRIMARY KEY REFERENCES shops ON DELETE CASCADE,
    read_through timestamptz NOT NULL
);
