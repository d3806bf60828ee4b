-- A reconcile request is recorded as a queued run and acknowledged at once, so no delivery
-- is held for the minutes a run takes; reconcile-workers take queued runs from here.
ALTER TABLE reconcile_runs DROP CONSTRAINT reconcile_runs_status_check;
ALTER TABLE reconcile_runs ADD CONSTRAINT reconcile_runs_status_check
    CHECK (status IN ('queued', 'running', 'done', 'failed'));
-- A run that failed for a passing reason waits before it is tried again, longer each time.
ALTER TABLE reconcile_runs ADD COLUMN attempts integer NOT NULL DEFAULT 0, ADD COLUMN not_before timestamptz;
CREATE INDEX reconcile_runs_pending ON reconcile_runs (shop, run_id) WHERE status IN ('queued', 'running');
