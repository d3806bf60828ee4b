@testable import StockSyncPostgres
import Testing

@Suite("PostgreSQL connection strings")
struct PostgresConnectionStringTests {
    /// libpq itself answers `invalid percent-encoded token: "Hunter2%Secret"`.
    @Test("an unreadable connection string is refused without repeating any of it", arguments: [
        "postgresql://svc:Hunter2%Secret@127.0.0.1:1/stocksync",
        "host=127.0.0.1 password='Hunter2Secret",
        "postgresql://svc:Hunter2Secret@127.0.0.1:1/stocksync?no_such_parameter=1",
    ])
    func unreadableStringsAreNotEchoed(url: String) {
        let error = #expect(throws: PostgresError.self) { try PostgresConnection(url: url) }
        #expect(error?.description.contains("Hunter2") == false, "\(error.map { "\($0)" } ?? "")")
        #expect(error?.description.contains("cannot be read") == true)
        #expect(error?.isRetriable == false)
    }

    @Test("server states that pass are retried; a refused datum is not", arguments: [
        ("55P03", true), ("25006", true), ("42P01", true), ("57014", true), ("40001", true), ("23505", false), ("42601", false),
    ])
    func retriableStates(state: String, retriable: Bool) throws {
        #expect(PostgresError.queryFailed(sqlState: state, message: "").isRetriable == retriable)
    }
}
