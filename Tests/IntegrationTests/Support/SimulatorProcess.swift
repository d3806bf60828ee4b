import Foundation
import StockSyncRuntime
import TestSupport

/// The `shopify-simulator` executable on a port of its own.
final class SimulatorProcess {
    let server: WorkerProcess
    let client: SimulatorClient

    init() throws {
        let port = IntegrationEnvironment.ListenPort.simulator()
        server = try WorkerProcess("shopify-simulator", name: "shopify-simulator", environment: ["SIMULATOR_PORT": "\(port)"])
        client = try SimulatorClient(baseURL: "http://127.0.0.1:\(port)")
        let started = try IntegrationEnvironment.eventually(timeout: .seconds(20), every: .milliseconds(100)) { client.isUp }
        guard started else { throw SimulatorClient.Failure("the simulator did not start:\n\(server.log)") }
    }
}
