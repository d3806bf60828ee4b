-- What the push side does with a level the ERP feeds at a location where Shopify does not
-- stock the item: `report` it as a problem (the default), or `activate` the item there
-- (inventoryActivate) and push.
ALTER TABLE shops ADD COLUMN unstocked_policy text NOT NULL DEFAULT 'report'
    CHECK (unstocked_policy IN ('report', 'activate'));
