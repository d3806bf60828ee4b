import StockSyncPostgres
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Applies the migrations (`Migrations/*.sql`, built in: `Migrator.embedded`) in name
/// order, each once, each in its own transaction. Safe to run from several hosts at once: they queue on an advisory lock.
package struct Migrator {
    package struct Migration: Sendable {
        package var name: String
        package var sql: String
    }

    package enum Outcome: Equatable, Sendable {
        case applied(String)
        case alreadyApplied(String)
    }

    package struct ChangedMigration: Error, CustomStringConvertible {
        package let name: String
        package var description: String {
            "migration \(name) was changed after it was applied; add a new migration instead"
        }
    }

    package let migrations: [Migration]

    package init(migrations: [Migration]) {
        self.migrations = migrations.sorted { $0.name < $1.name }
    }

    @discardableResult
    package func run(on connection: PostgresConnection) throws -> [Outcome] {
        try connection.query("SELECT pg_advisory_lock($1, $2)", [.int(AdvisoryLock.migrations.namespace), .int(1)])
        defer {
            _ = try? connection.query("SELECT pg_advisory_unlock($1, $2)",
                                      [.int(AdvisoryLock.migrations.namespace), .int(1)])
        }
        try connection.query("""
            CREATE TABLE IF NOT EXISTS schema_migrations (
                name       text PRIMARY KEY,
                checksum   text NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """)
        var outcomes: [Outcome] = []
        for migration in migrations {
            let recorded = try connection.query(
                "SELECT checksum = md5($2) FROM schema_migrations WHERE name = $1",
                [.string(migration.name), .string(migration.sql)])
            if recorded.count == 1 {
                let unchanged: Bool? = try recorded.decode(0, as: Bool?.self)
                guard unchanged == true else { throw ChangedMigration(name: migration.name) }
                outcomes.append(.alreadyApplied(migration.name))
                continue
            }
            try connection.transaction { connection in
                try connection.execute(script: migration.sql)
                try connection.query("INSERT INTO schema_migrations (name, checksum) VALUES ($1, md5($2))",
                                     [.string(migration.name), .string(migration.sql)])
            }
            outcomes.append(.applied(migration.name))
        }
        return outcomes
    }
}
