import Foundation
import StockSyncAMQP
import StockSyncPostgres
import StockSyncRuntime
import StockSyncStore
import StockSyncWorkers
import Testing

/// The real servers the integration tests use, named by environment variables that
/// `scripts/test` sets (a RabbitMQ virtual host and a database of their own, so that a
/// running dev stack never sees their messages).
enum IntegrationEnvironment {
    static let variables = ProcessInfo.processInfo.environment

    static let amqpURLText = variables["STOCKSYNC_TEST_AMQP_URL"]
    static let databaseURL = variables["STOCKSYNC_TEST_DATABASE_URL"]

    /// Without these the tests cannot reach a server: run them through `scripts/test`,
    /// which starts the servers and sets the variables.
    static let isConfigured = amqpURLText != nil && databaseURL != nil
    static let skipReason: Comment =
        "needs STOCKSYNC_TEST_AMQP_URL and STOCKSYNC_TEST_DATABASE_URL: run scripts/test, which starts the servers"

    static var amqpURL: AMQPURL { try! AMQPURL(parsing: amqpURLText!) }

    /// The test broker's URL asking for a one-second heartbeat: RabbitMQ closes a connection
    /// silent for two intervals, so two seconds of quiet show whether it is kept alive.
    static var quickHeartbeatURLText: String { amqpURLText! + "?heartbeat=1" }

    /// The key the tests' shops' tokens are sealed with, given to every process they start.
    static let tokenKey = AccessTokenCipher.generateKey()
    static let tokens = try! AccessTokenCipher(key: tokenKey)

    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The executables under test: STOCKSYNC_BIN_DIR, or the debug build folder.
    static var binaryDirectory: URL {
        if let directory = variables["STOCKSYNC_BIN_DIR"] { return URL(fileURLWithPath: directory) }
        return repository.appendingPathComponent(".build/debug")
    }

    static func database() throws -> PostgresConnection {
        try PostgresConnection(url: databaseURL!)
    }

    static func broker(_ name: String = "integration-tests") throws -> AMQPConnection {
        let connection = try AMQPConnection(url: amqpURL, name: name)
        try QueueTopology.declare(on: connection)
        return connection
    }

    /// Empties every queue and recreates the schema from the migrations.
    static func reset() throws {
        let broker = try broker()
        for queue in QueueTopology.workQueues {
            try broker.purge(queue)
            try broker.purge(QueueTopology.deadLetterQueue(for: queue))
        }
        try QueueTopology.declareReservations(on: broker)
        try broker.purge(QueueTopology.erpReservations)
        try Compliance.declare(on: broker)
        try broker.purge(Compliance.reportsQueue)
        let database = try database()
        try database.execute(script: "DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        try Migrator.embedded.run(on: database)
    }

    /// Ports for the servers tests start, one range per kind so that suites running at once
    /// do not meet, all below Linux's ephemeral range (32768–60999): there any outgoing
    /// connection of a parallel test may already hold the port.
    enum ListenPort {
        static func simulator() -> Int { .random(in: 20_000..<30_000) }
        static func gateway() -> Int { .random(in: 10_000..<15_000) }
        static func metrics() -> Int { .random(in: 15_000..<20_000) }
    }

    /// Polls `condition` until it holds or `timeout` passes; returns whether it held.
    static func eventually(timeout: Duration, every interval: Duration = .milliseconds(200),
                           _ condition: () throws -> Bool) throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try condition() { return true }
            Thread.sleep(forTimeInterval: Double(interval.components.attoseconds) / 1e18
                         + Double(interval.components.seconds))
        }
        return try condition()
    }
}
