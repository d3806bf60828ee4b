-- Levels Shopify said changed (inventory_levels/update) in a way that neither a push nor an
-- order known to stocksync explains: each is checked through the Admin API once its orders
-- in flight have had time to arrive (`check_after`), by a targeted reconciliation of the
-- shop, and deleted when that reconciliation is requested. One row a level however many
-- notifications came: a burst of changes becomes one reconciliation.
CREATE TABLE drift_suspects (
    shop        text NOT NULL,
    sku         text NOT NULL,
    location    text NOT NULL,
    check_after timestamptz NOT NULL,
    PRIMARY KEY (shop, sku, location)
);
CREATE INDEX drift_suspects_due ON drift_suspects (check_after);

-- Notifications name items by id: find the SKU without reading every item of the shop.
CREATE INDEX shopify_items_by_item ON shopify_items (shop, inventory_item_id);

-- What a drift found live does: `heal` (the ERP wins, pushed with compare-and-set) or
-- `report` (recorded, left for a person).
ALTER TABLE shops ADD COLUMN drift_policy text NOT NULL DEFAULT 'heal' CHECK (drift_policy IN ('heal', 'report'));
