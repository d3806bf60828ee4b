-- A shop's app installation: when it was last connected, and when Shopify last said the
-- app was uninstalled. Recording an uninstall clears the token (Shopify revoked it), unless
-- the shop was connected since (the uninstall was consumed late); an uninstall no later than
-- the one recorded (Shopify's retry) changes nothing. Shops connected before this have no
-- `connected_at`: any uninstall of theirs applies.
ALTER TABLE shops ADD COLUMN connected_at timestamptz, ADD COLUMN uninstalled_at timestamptz;
-- Set when a shop is connected while uninstalled, or found uninstalled after it was
-- connected again: its catalogue and levels are read afresh before anything is pushed, since
-- nothing was heard from the store in between.
ALTER TABLE shops ADD COLUMN catalogue_due boolean NOT NULL DEFAULT false;
-- The API version Shopify last said it served the shop's calls with (X-Shopify-API-Version):
-- another than `api_version` once that is no longer supported.
ALTER TABLE shops ADD COLUMN served_api_version text;
