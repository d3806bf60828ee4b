import StockSyncPostgres

/// The push-workers' claiming connections, known to each other through PostgreSQL's
/// session list: how many workers the shops are shared among.
package struct PushClaimers {
    package let connection: PostgresConnection
    static let applicationName = "stocksync-push-claimer"

    package init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// Marks this connection's session as a push-worker's claimer, for as long as it lives:
    /// its process ending, or `lease` of silence when it is frozen, so that a stopped
    /// worker no longer counts in the other workers' fair share.
    package func join(lease: Duration) throws(PostgresError) {
        try connection.endWhenIdle(for: lease)
        try connection.query("SELECT set_config('application_name', $1, false)", [.string(Self.applicationName)])
    }

    /// The claimers connected to this database now, this one included.
    package func count() throws(PostgresError) -> Int {
        try connection.query("""
            SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()
            """, [.string(Self.applicationName)]).decode(0, as: Int.self)
    }
}
