import Foundation
import StockSyncRuntime

/// A worker executable (or the `stocksync` command) started as its own process, so that
/// tests can kill it for real.
final class WorkerProcess {
    let process = Process()
    let logFile: URL

    init(_ executable: String, name: String, arguments: [String] = [], environment extra: [String: String] = [:]) throws {
        logFile = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: logFile.path, contents: nil)
        process.executableURL = IntegrationEnvironment.binaryDirectory.appendingPathComponent(executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["AMQP_URL"] = IntegrationEnvironment.amqpURLText
        environment["DATABASE_URL"] = IntegrationEnvironment.databaseURL
        environment["STOCKSYNC_TOKEN_KEY"] = IntegrationEnvironment.tokenKey
        environment["WORKER_NAME"] = name
        environment["LOG_LEVEL"] = "info"
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        let log = try FileHandle(forWritingTo: logFile)
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    var isRunning: Bool { process.isRunning }

    func signal(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits for the process to end and returns its exit status, or nil if it outlived `timeout`.
    func waitForExit(timeout: Duration) -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.05) }
        guard !process.isRunning else { return nil }
        return process.terminationStatus
    }

    var log: String { (try? String(contentsOf: logFile, encoding: .utf8)) ?? "" }
}
