import StockSyncPostgres

/// The `app_install_states` table: the `state` nonce of each OAuth install begun, which its
/// callback must bring back (https://shopify.dev/docs/apps/build/authentication-authorization/access-tokens/authorization-code-grant).
/// Kept in the database, so that any gateway behind a load balancer takes the callback of an
/// install another one began.
package struct AppInstallStore {
    package let connection: PostgresConnection

    package init(connection: PostgresConnection) {
        self.connection = connection
    }

    /// Records an install of `shop` begun with `state`, and forgets nonces older than `lifetime`.
    package func begin(shop: String, state: String, lifetime: Duration) throws(PostgresError) {
        try connection.query("DELETE FROM app_install_states WHERE created_at < now() - make_interval(secs => $1)",
                             [.int(Int(lifetime.components.seconds))])
        try connection.query("INSERT INTO app_install_states (state, shop) VALUES ($1, $2)", [.string(state), .string(shop)])
    }

    /// Whether `state` was begun for `shop` within `lifetime`; true once only.
    package func consume(state: String, shop: String, lifetime: Duration) throws(PostgresError) -> Bool {
        try connection.query("""
            DELETE FROM app_install_states
            WHERE state = $1 AND shop = $2 AND created_at >= now() - make_interval(secs => $3) RETURNING 1
            """, [.string(state), .string(shop), .int(Int(lifetime.components.seconds))]).count == 1
    }

    /// The shop's rows (`shop/redact`).
    package func forget(shop: String) throws(PostgresError) {
        try connection.query("DELETE FROM app_install_states WHERE shop = $1", [.string(shop)])
    }
}
