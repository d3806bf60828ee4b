-- A level already due for push keeps its place in the outbox while its ATS changes again.
-- The outbox index named `version`, which every change bumps, so every ATS update wrote a new
-- entry into both of the table's indexes. It now names `due`, which stays true until the level
-- is pushed, and `changed_at` becomes the time the level became due, which such an update
-- leaves alone: the update stays on its page (HOT, with the room fillfactor leaves) and
-- touches no index. Oldest due first is still the push order.
ALTER TABLE available_to_sell ADD COLUMN due boolean GENERATED ALWAYS AS (version > pushed_version) STORED;
DROP INDEX available_to_sell_due;
CREATE INDEX available_to_sell_due ON available_to_sell (shop, changed_at) WHERE due;
ALTER TABLE available_to_sell SET (fillfactor = 80);
COMMENT ON COLUMN available_to_sell.changed_at IS 'when the level became due for push (kept while it stays due)';
