import StockSyncRuntime
import StockSyncWorkers
import Testing

@Suite("Worker configuration from the environment")
struct WorkerConfigurationTests {
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

    @Test("metrics listen on loopback unless METRICS_HOST says otherwise; a bad host is named")
    func metricsListenOnLoopbackByDefault() throws {
        #expect(try StockWorkerConfiguration(environment: Environment([:])).metrics == nil)
        #expect(try StockWorkerConfiguration(environment: Environment(["METRICS_PORT": "9100"])).metrics
            == MetricsEndpoint(host: "127.0.0.1", port: 9100))
        #expect(try PushWorkerConfiguration(environment: Environment(["METRICS_PORT": "9200", "METRICS_HOST": "0.0.0.0"]))
            .metrics == MetricsEndpoint(host: "0.0.0.0", port: 9200))
        #expect(throws: ConfigurationError.self) {
            try ReconcileWorkerConfiguration(environment: Environment(["METRICS_PORT": "9300", "METRICS_HOST": "every-interface"]))
        }
    }

    @Test func prefetchDefaultsToTwoBatches() throws {
        let configuration = try StockWorkerConfiguration(environment: Environment(["STOCK_BATCH_SIZE": "300"]))
        #expect(configuration.consumer.prefetch == 600)
        #expect(configuration.consumer.batchLinger == .milliseconds(20))
    }
}
