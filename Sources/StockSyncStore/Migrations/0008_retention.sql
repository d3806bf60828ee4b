-- Retention (`RetentionPolicy`): rows the pipeline no longer needs are pruned in small
-- batches; these indexes find them without scanning the tables.
CREATE INDEX stock_adjustments_applied ON stock_adjustments (applied_at);
CREATE INDEX order_webhook_events_received ON order_webhook_events (received_at);
CREATE INDEX reconcile_runs_finished ON reconcile_runs (finished_at) WHERE finished_at IS NOT NULL;

-- When a delivery or a fulfilment last concerned the order; an order with no open
-- reservation left untouched for long is archived: its lines, reservations, refunds and
-- incidents are removed and the row stays, marked, so that a late delivery for it changes
-- nothing rather than reserving its lines again.
ALTER TABLE shopify_orders
    ADD COLUMN touched_at timestamptz NOT NULL DEFAULT now(),
    ADD COLUMN archived   boolean NOT NULL DEFAULT false;
CREATE INDEX shopify_orders_untouched ON shopify_orders (touched_at) WHERE NOT archived;
