import ArgumentParser
import StockSyncStore
import StockSyncWorkers

struct Retention: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "What each pruned table holds, and what retention (RETAIN_*_DAYS) removes.",
        discussion: "reconcile-workers prune every RETENTION_SWEEP_MINUTES; --prune does it now.")
    @Flag(help: "Remove what retention no longer keeps, now.") var prune = false
    @Flag var json = false

    func run() throws {
        let policy = try RetentionPolicy(environment: Connect.environment)
        let database = try Connect.database()
        if prune {
            let removed = try policy.prune(database)
            if json { return try printJSON(removed) }
            for (table, count) in removed.sorted(by: { $0.key < $1.key }) { print("\(table): \(count) removed") }
            return
        }
        let status = try policy.status(of: database)
        if json { return try printJSON(status) }
        var table = TextTable(header: ["TABLE", "ROWS", "OLDEST", "REMOVABLE"])
        for entry in status {
            table.rows.append([entry.table, "\(entry.rows)", entry.oldestAgeSeconds.map(Self.age) ?? "-", "\(entry.removable)"])
        }
        print(table.render())
    }

    private static func age(_ seconds: Int) -> String {
        seconds >= 86_400 ? "\(seconds / 86_400) d" : seconds >= 3_600 ? "\(seconds / 3_600) h" : "\(seconds / 60) min"
    }
}
