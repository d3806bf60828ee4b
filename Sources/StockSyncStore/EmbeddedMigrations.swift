extension Migrator {
    /// The migrations built into the binary from `Migrations/` (each file is listed in
    /// Package.swift's resources and here; a test checks the three agree), so that
    /// `stocksync migrate` works from any directory and in the container image.
    package static let embedded = Migrator(migrations: [
        ("0001_stock.sql", PackageResources._001_stock_sql),
        ("0002_push.sql", PackageResources._002_push_sql),
        ("0003_reconcile.sql", PackageResources._003_reconcile_sql),
        ("0004_orders.sql", PackageResources._004_orders_sql),
        ("0005_byte_order_keys.sql", PackageResources._005_byte_order_keys_sql),
        ("0006_outbox_in_place.sql", PackageResources._006_outbox_in_place_sql),
        ("0007_sealed_tokens.sql", PackageResources._007_sealed_tokens_sql),
        ("0008_retention.sql", PackageResources._008_retention_sql),
        ("0009_push_failures.sql", PackageResources._009_push_failures_sql),
        ("0010_expectation_times.sql", PackageResources._010_expectation_times_sql),
        ("0011_reconcile_queue.sql", PackageResources._011_reconcile_queue_sql),
        ("0012_app_lifecycle.sql", PackageResources._012_app_lifecycle_sql),
        ("0013_order_backfill.sql", PackageResources._013_order_backfill_sql),
        ("0014_expiring_tokens.sql", PackageResources._014_expiring_tokens_sql),
        ("0015_live_drift.sql", PackageResources._015_live_drift_sql),
        ("0016_unstocked_levels.sql", PackageResources._016_unstocked_levels_sql),
    ].map { name, bytes in Migration(name: name, sql: String(decoding: bytes, as: UTF8.self)) })
}
