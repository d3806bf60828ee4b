import StockSyncRuntime

extension Environment {
    /// `AMQP_URL`-style setting. Its value holds a password, so errors never repeat it.
    package func amqpURL(_ name: String, default defaultValue: String) throws(ConfigurationError) -> AMQPURL {
        do {
            return try AMQPURL(parsing: nonEmpty(name) ?? defaultValue)
        } catch {
            throw ConfigurationError(setting: name, problem: error.description)
        }
    }
}
