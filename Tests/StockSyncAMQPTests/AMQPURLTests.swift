import StockSyncAMQP
import Testing

@Suite("AMQP URLs")
struct AMQPURLTests {
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
        #expect(url.heartbeat == .seconds(30))
    }

    @Test("the heartbeat query parameter, as RabbitMQ's URI parameters name it")
    func readsTheHeartbeat() throws {
        let url = try AMQPURL(parsing: "amqp://u:p@broker:5673/stock?heartbeat=5")
        #expect((url.host, url.port, url.virtualHost, url.heartbeat) == ("broker", 5673, "stock", .seconds(5)))
        #expect(try AMQPURL(parsing: "amqp://broker?heartbeat=0").heartbeat == .zero)
    }

    @Test(arguments: [
        ("http://host", "must start with amqp:// (amqps is not supported)"),
        ("amqp://host:99999/", "the port must be a number from 1 to 65535"),
        ("amqp://host:x/", "the port must be a number from 1 to 65535"),
        ("amqp:///", "the host is missing"),
        ("amqp://u:p%zz@host/", "the password has a bad percent-escape"),
        ("amqp://host/?heartbeat=soon", "heartbeat must be a number of seconds from 0 to 3600"),
        ("amqp://host/?channel_max=4", "the query parameter `channel_max` is not supported (only heartbeat)"),
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
}
