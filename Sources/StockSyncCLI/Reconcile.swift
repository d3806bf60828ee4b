import ArgumentParser
import Foundation
import StockSyncAMQP
import StockSyncDomain
import StockSyncRuntime
import StockSyncStore

/// Publishes a reconciliation request and, if asked, waits for a reconcile-worker to run it.
enum ReconcileRequests {
    static func publish(shop: String, mode: ReconcileRequest.Mode, skus: [String]) throws -> ReconcileRequest {
        let request = ReconcileRequest(requestID: UUID().uuidString.lowercased(), shop: shop, mode: mode,
                                       skus: skus.isEmpty ? nil : skus)
        try Connect.broker().publish([OutgoingMessage(routingKey: QueueTopology.reconcileRequested,
                                                      messageID: request.requestID, body: request.body)])
        return request
    }

    static func wait(for request: ReconcileRequest, timeout: Int) throws -> ReconcileStore.RunSummary {
        let store = ReconcileStore(connection: try Connect.database())
        let deadline = Date().addingTimeInterval(TimeInterval(timeout))
        while Date() < deadline {
            if let run = try store.run(requestID: request.requestID), ["done", "failed"].contains(run.status) { return run }
            Thread.sleep(forTimeInterval: 0.5)
        }
        throw ValidationError("no reconcile-worker finished request \(request.requestID) within \(timeout) s (is one running?)")
    }

    static func printSummary(_ run: ReconcileStore.RunSummary) {
        var table = TextTable(header: ["RUN", "SHOP", "MODE", "STATUS", "COMPARED", "DRIFT", "MISSING_IN_SHOPIFY",
                                       "UNKNOWN_TO_ERP", "UNMAPPED", "UNSETTLED", "HEALED", "SECONDS"])
        let number = { (value: Int?) in value.map(String.init) ?? "-" }
        table.rows.append(["\(run.runID)", run.shop, run.mode, run.status, number(run.levelsCompared), number(run.drift),
                           number(run.missingInShopify), number(run.unknownToERP), number(run.unmapped),
                           number(run.unsettled), number(run.healed), run.seconds.map { String(format: "%.1f", $0) } ?? "-"])
        print(table.render())
        if let error = run.error { print("error: \(error)") }
    }
}

struct Reconcile: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare a shop's Shopify levels with the ERP (a reconcile-worker runs it).",
        subcommands: [Run.self, Schedule.self], defaultSubcommand: Run.self)

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "run", abstract: "Request a reconciliation.")
        @Option var shop: String
        @Flag(help: "Also correct the drift found, through the push path.") var heal = false
        @Option(name: .customLong("sku"), help: "Only this SKU (repeatable); otherwise the whole catalogue.")
        var skus: [String] = []
        @Flag(help: "Wait for the run and print its summary.") var wait = false
        @Option(help: "Seconds to wait at most.") var timeout = 600

        func run() throws {
            let request = try ReconcileRequests.publish(shop: shop, mode: heal ? .heal : .report, skus: skus)
            print("requested \(request.requestID)")
            guard wait else { return }
            let summary = try ReconcileRequests.wait(for: request, timeout: timeout)
            ReconcileRequests.printSummary(summary)
            // A script waiting for the run must be able to tell that it did not happen.
            guard summary.status == "done" else { throw ExitCode(1) }
        }
    }

    struct Schedule: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Set how often a shop is reconciled in full (default weekly).")
        @Option var shop: String
        @Option(help: "A PostgreSQL interval, e.g. `7 days`, `12 hours`.") var every = "7 days"

        func run() throws {
            try ReconcileStore(connection: Connect.database()).schedule(shop: shop, every: every)
            print("shop \(shop): a full report every \(every), the first \(every) from now")
        }
    }
}

struct Drift: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a reconciliation run and what it found (the newest by default).")
    @Option(name: .customLong("run")) var runID: Int?
    @Option var shop: String?
    @Flag var json = false
    @Flag var csv = false

    func run() throws {
        let store = ReconcileStore(connection: try Connect.database())
        guard let summary = try store.run(id: runID, shop: shop) else { throw ValidationError("no reconciliation run yet") }
        let discrepancies = try store.discrepancies(run: summary.runID)
        if json {
            struct Report: Encodable { let run: ReconcileStore.RunSummary; let discrepancies: [ReconcileStore.Discrepancy] }
            return try printJSON(Report(run: summary, discrepancies: discrepancies))
        }
        if csv {
            print("class,sku,location,shopify_available,expected,healed")
            for item in discrepancies {
                let fields = [item.kind, item.sku, item.location, item.shopifyAvailable.map(String.init) ?? "",
                              item.expected.map(String.init) ?? "", item.healed ? "true" : "false"]
                print(fields.map { $0.contains(",") || $0.contains("\"") ? "\"\($0.replacingOccurrences(of: "\"", with: "\"\""))\"" : $0 }
                    .joined(separator: ","))
            }
            return
        }
        ReconcileRequests.printSummary(summary)
        guard !discrepancies.isEmpty else { return print("no discrepancies") }
        var table = TextTable(header: ["CLASS", "SKU", "LOCATION", "SHOPIFY", "EXPECTED", "HEALED"])
        table.rows = discrepancies.map {
            [$0.kind, $0.sku, $0.location.isEmpty ? "-" : $0.location, $0.shopifyAvailable.map(String.init) ?? "-",
             $0.expected.map(String.init) ?? "-", $0.healed ? "yes" : "no"]
        }
        print(table.render())
    }
}

struct GoLiveCheck: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "go-live-check",
        abstract: "Run a full report of a shop and fail, with the reasons, while anything is out of line.")
    @Option var shop: String
    @Option(help: "Seconds to wait for the run at most.") var timeout = 900

    func run() throws {
        let request = try ReconcileRequests.publish(shop: shop, mode: .report, skus: [])
        let summary = try ReconcileRequests.wait(for: request, timeout: timeout)
        ReconcileRequests.printSummary(summary)
        var reasons: [String] = []
        if summary.status != "done" { reasons.append("the run \(summary.status): \(summary.error ?? "")") }
        if let count = summary.drift, count > 0 { reasons.append("\(count) levels differ from the ERP (drift)") }
        if let count = summary.missingInShopify, count > 0 { reasons.append("\(count) mapped levels are not stocked in Shopify") }
        if let count = summary.unmapped, count > 0 { reasons.append("\(count) ERP SKUs have no Shopify item") }
        if let count = summary.unknownToERP, count > 0 { reasons.append("\(count) Shopify items have SKUs the ERP lacks") }
        if let count = summary.unsettled, count > 0 { reasons.append("\(count) levels were still being pushed") }
        guard reasons.isEmpty else {
            print("NOT READY for go-live:\n" + reasons.map { "  - \($0)" }.joined(separator: "\n")
                  + "\nSee `stocksync drift --run \(summary.runID)`.")
            throw ExitCode(1)
        }
        print("ready for go-live: every level of \(shop) matches the ERP")
    }
}
