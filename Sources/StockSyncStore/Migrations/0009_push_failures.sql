-- Failures of a written-down push Shopify did not apply, counted so that one that keeps
-- failing is split in halves and, down to one level, set aside (PushFailurePolicy) rather
-- than sent again forever ahead of everything new for its shop.
ALTER TABLE shopify_push_intents
    ADD COLUMN failures     integer NOT NULL DEFAULT 0,
    ADD COLUMN last_failure text;
