#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Applies `Schemas/migrations/*.sql` in name order, each once, each in its own
/// transaction. Safe to run from several hosts at once: they queue on an advisory lock.
public struct Migrator {
    public struct Migration: Sendable {
        public var name: String
        public var sql: String
    }

    public enum Outcome: Equatable, Sendable {
        case applied(String)
        case alreadyApplied(String)
    }

    public struct ChangedMigration: Error, CustomStringConvertible {
        public let name: String
        public var description: String {
            "migration \(name) was changed after it was applied; add a new migration instead"
        }
    }

    /// Advisory lock key of the migrator (namespace, key), apart from the stock locks.
    static let lock = (namespace: 0, key: 1)

    public let migrations: [Migration]

    public init(migrations: [Migration]) {
        self.migrations = migrations.sorted { $0.name < $1.name }
    }

    public init(directory: String) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".sql") }
        self.init(migrations: try names.map { name in
            let data = try Data(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent(name))
            return Migration(name: name, sql: String(decoding: data, as: UTF8.self))
        })
    }

    @discardableResult
    public func run(on connection: PostgresConnection) throws -> [Outcome] {
        try connection.query("SELECT pg_advisory_lock($1, $2)", [.int(Self.lock.namespace), .int(Self.lock.key)])
        defer {
            _ = try? connection.query("SELECT pg_advisory_unlock($1, $2)",
                                      [.int(Self.lock.namespace), .int(Self.lock.key)])
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
                guard recorded.bool(0, 0) == true else { throw ChangedMigration(name: migration.name) }
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
