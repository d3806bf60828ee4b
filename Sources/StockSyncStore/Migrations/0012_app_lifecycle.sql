-- A shop's app installation: when it was last connected, and when Shopify said the app was
-- uninstalled (its token is cleared then: Shopify revoked it). An uninstall delivered late,
-- from before the latest connection, changes nothing.
ALTER TABLE shops ADD COLUMN connected_at timestamptz, ADD COLUMN uninstalled_at timestamptz;
-- Set when a shop that was uninstalled is connected again: its catalogue and levels are read
-- afresh before anything is pushed, since nothing was heard from the store meanwhile.
ALTER TABLE shops ADD COLUMN catalogue_due boolean NOT NULL DEFAULT false;
