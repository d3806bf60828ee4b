import Foundation
import StockSyncStore
import Testing

@Suite("Migrations built into the binary")
struct EmbeddedMigrationsTests {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources/StockSyncStore/Migrations")

    @Test("every file of Migrations/ is embedded, in name order, with its text")
    func embeddedMatchesTheFolder() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path)
            .filter { $0.hasSuffix(".sql") }.sorted()
        #expect(Migrator.embedded.migrations.map(\.name) == names)
        for migration in Migrator.embedded.migrations {
            let text = try String(contentsOf: Self.directory.appendingPathComponent(migration.name), encoding: .utf8)
            #expect(migration.sql == text, "\(migration.name) differs from its file")
        }
    }
}
