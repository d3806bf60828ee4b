@testable import StockSyncCore
import Testing
import TestSupport

@Suite("AMQP URLs, configuration, parameters and backoff")
struct AdapterValueTests {
    @Test func parsesAFullAMQPURL() throws {
        let url = try AMQPURL(parsing: "amqp://user%40corp:p%3Ass@broker.internal:5673/prod%2Fstock")
        #expect(url.user == "user@corp")
        #expect(url.password == "p:ss")
        #expect(url.host == "broker.internal")
        #expect(url.port == 5673)
        #expect(url.virtualHost == "prod/stock")
    }

    @Test func appliesAMQPDefaults() throws {
        let url = try AMQPURL(parsing: "amqp://localhost")
        #expect((url.user, url.password, url.port, url.virtualHost) == ("guest", "guest", 5672, "/"))
    }

    @Test(arguments: [
        ("http://host", "must start with amqp:// (amqps is not supported)"),
        ("amqp://host:99999/", "the port must be a number from 1 to 65535"),
        ("amqp://host:x/", "the port must be a number from 1 to 65535"),
        ("amqp:///", "the host is missing"),
        ("amqp://u:p%zz@host/", "the password has a bad percent-escape"),
    ])
    func refusesBadAMQPURLs(text: String, problem: String) {
        #expect(throws: AMQPURL.ParseError.self) { try AMQPURL(parsing: text) }
        do {
            _ = try AMQPURL(parsing: text)
        } catch {
            #expect(error.description == problem)
        }
    }

    @Test func neverPrintsThePassword() throws {
        let url = try AMQPURL(parsing: "amqp://svc:hunter2@host:5672/")
        #expect(!url.description.contains("hunter2"))
        #expect(!"\(url)".contains("hunter2"))
    }

    @Test func configurationErrorsNameTheSettingAndHideSecrets() {
        func problem(_ values: [String: String]) -> String? {
            do {
                _ = try StockWorkerConfiguration(environment: Environment(values))
                return nil
            } catch {
                return error.description
            }
        }
        #expect(problem([:]) == nil)
        #expect(problem(["STOCK_BATCH_SIZE": "0"])
            == "configuration error: STOCK_BATCH_SIZE must be a whole number from 1 to 10000, not `0`")
        #expect(problem(["STOCK_BATCH_LINGER_MS": "soon"])?.hasPrefix("configuration error: STOCK_BATCH_LINGER_MS") == true)
        #expect(problem(["METRICS_PORT": "70000"])?.hasPrefix("configuration error: METRICS_PORT") == true)
        let amqp = problem(["AMQP_URL": "amqps://svc:hunter2@host/"])
        #expect(amqp == "configuration error: AMQP_URL must start with amqp:// (amqps is not supported)")
        let database = problem(["DATABASE_URL": "mysql://svc:hunter2@host/db"])
        #expect(database == "configuration error: DATABASE_URL must be a postgresql:// URL")
    }

    @Test func prefetchDefaultsToTwoBatches() throws {
        let configuration = try StockWorkerConfiguration(environment: Environment(["STOCK_BATCH_SIZE": "300"]))
        #expect(configuration.prefetch == 600)
        #expect(configuration.batchLinger == .milliseconds(20))
    }

    @Test func arrayParametersQuoteEveryElement() {
        #expect(PostgresParameter.strings(["a", "b,c", "NULL", "q\"uote", "back\\slash", "{}", ""]).text
            == #"{"a","b,c","NULL","q\"uote","back\\slash","{}",""}"#)
        #expect(PostgresParameter.strings([String]()).text == "{}")
        #expect(PostgresParameter.ints([1, -2, 3]).text == "{1,-2,3}")
        #expect(PostgresParameter.optionalInts([1, nil]).text == "{1,NULL}")
        #expect(PostgresParameter.null.text == nil)
    }

    @Test func backoffGrowsToItsCapWithJitterBelowTheCeiling() {
        var backoff = Backoff(base: .milliseconds(100), cap: .seconds(1))
        var random = SeededGenerator(seed: 7)
        var ceilings: [Duration] = []
        for _ in 0..<6 {
            let ceiling = backoff.ceiling
            ceilings.append(ceiling)
            let wait = backoff.next(using: &random)
            #expect(wait >= .zero && wait <= ceiling)
        }
        #expect(ceilings == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(800),
                             .seconds(1), .seconds(1)])
        backoff.reset()
        #expect(backoff.ceiling == .milliseconds(100))
    }
}
