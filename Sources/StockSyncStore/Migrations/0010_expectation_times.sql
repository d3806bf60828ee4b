-- When `expected` was last set from Shopify (a confirmed push, a read, a heal): a snapshot
-- taken before that (a catalogue sync's or a reconcile run's bulk read, minutes long) must
-- not overwrite it, or a level pushed meanwhile is pushed against a stale number, refused,
-- and its difference booked as units sold but not reserved.
ALTER TABLE shopify_levels ADD COLUMN expected_at timestamptz;

-- Units held back as sold that no order claimed within the grace period, released by the run.
ALTER TABLE reconcile_runs ADD COLUMN released integer;
