import Logging

package enum LoggingSetup {
    /// Logs to stderr at `LOG_LEVEL` (trace … critical; default info).
    package static func bootstrap(environment: Environment) throws(ConfigurationError) {
        let text = environment.string("LOG_LEVEL", default: "info")
        guard let level = Logger.Level(rawValue: text) else {
            throw ConfigurationError(setting: "LOG_LEVEL",
                                     problem: "must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
