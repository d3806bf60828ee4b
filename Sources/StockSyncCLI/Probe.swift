import ArgumentParser
import StockSyncShopify

/// For container healthchecks, whose images carry no HTTP client: `stocksync probe
/// http://127.0.0.1:9100/ready` exits 0 on a 2xx answer.
struct Probe: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "GET a URL (a process's /health or /ready); exit 0 on a 2xx answer, 1 otherwise.")
    @Argument var url: String

    func run() throws {
        let status = try? CurlTransport(connectTimeout: .seconds(2), totalTimeout: .seconds(5)).get(url, headers: []).status
        guard let status, (200..<300).contains(status) else {
            print("\(url): \(status.map { "HTTP \($0)" } ?? "no answer")")
            throw ExitCode(1)
        }
    }
}
