-- Reconciliation: runs, what each found, and schedules. (What Shopify showed during a run
-- is loaded into a temporary table of the run's own session, compared set-based, and gone
-- with the session.)

-- One run per request id: a redelivered request finds its run and does not run twice.
CREATE TABLE reconcile_runs (
    run_id             bigserial PRIMARY KEY,
    request_id         text NOT NULL UNIQUE,
    shop               text NOT NULL,
    mode               text NOT NULL CHECK (mode IN ('report', 'heal')),
    skus               text[],
    status             text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done', 'failed')),
    started_at         timestamptz NOT NULL DEFAULT now(),
    finished_at        timestamptz,
    levels_compared    bigint,
    drift              integer,
    missing_in_shopify integer,
    unknown_to_erp     integer,
    unmapped           integer,
    -- levels still busy (push due or in flight) after waiting for them: not judged
    unsettled          integer,
    healed             integer,
    error              text
);
CREATE INDEX reconcile_runs_shop ON reconcile_runs (shop, started_at DESC);

-- location '' for the classes that concern a whole item (unknown_to_erp, unmapped).
CREATE TABLE reconcile_discrepancies (
    run_id            bigint NOT NULL REFERENCES reconcile_runs ON DELETE CASCADE,
    sku               text NOT NULL,
    location          text NOT NULL DEFAULT '',
    class             text NOT NULL CHECK (class IN ('drift', 'missing_in_shopify', 'unknown_to_erp', 'unmapped')),
    shopify_available bigint,
    expected          bigint,
    healed            boolean NOT NULL DEFAULT false,
    PRIMARY KEY (run_id, sku, location, class)
);

-- A full report per shop every `every` (weekly unless changed), fired once per slot.
CREATE TABLE reconcile_schedules (
    shop    text PRIMARY KEY REFERENCES shops ON DELETE CASCADE,
    every   interval NOT NULL DEFAULT '7 days' CHECK (every >= interval '1 minute'),
    next_at timestamptz NOT NULL
);
