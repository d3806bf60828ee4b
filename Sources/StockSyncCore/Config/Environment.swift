/// Typed reads of environment variables, each failure naming its variable.
public struct Environment: Sendable {
    public let values: [String: String]

    public init(_ values: [String: String]) {
        self.values = values
    }

    public func string(_ name: String, default defaultValue: String) -> String {
        nonEmpty(name) ?? defaultValue
    }

    public func int(_ name: String, default defaultValue: Int, in range: ClosedRange<Int>) throws(ConfigurationError)
        -> Int
    {
        guard let text = nonEmpty(name) else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError(setting: name,
                                     problem: "must be a whole number from \(range.lowerBound) to \(range.upperBound), not `\(text.prefix(32))`")
        }
        return value
    }

    public func optionalPort(_ name: String) throws(ConfigurationError) -> Int? {
        guard nonEmpty(name) != nil else { return nil }
        return try int(name, default: 0, in: 1...65535)
    }

    public func milliseconds(_ name: String, default defaultValue: Int, in range: ClosedRange<Int>)
        throws(ConfigurationError) -> Duration
    {
        .milliseconds(try int(name, default: defaultValue, in: range))
    }

    /// `AMQP_URL`-style setting. Its value holds a password, so errors never repeat it.
    public func amqpURL(_ name: String, default defaultValue: String) throws(ConfigurationError) -> AMQPURL {
        do {
            return try AMQPURL(parsing: nonEmpty(name) ?? defaultValue)
        } catch {
            throw ConfigurationError(setting: name, problem: error.description)
        }
    }

    /// `DATABASE_URL`-style setting, handed to libpq as it is.
    public func databaseURL(_ name: String, default defaultValue: String) throws(ConfigurationError) -> String {
        let value = nonEmpty(name) ?? defaultValue
        guard value.hasPrefix("postgresql://") || value.hasPrefix("postgres://") else {
            throw ConfigurationError(setting: name, problem: "must be a postgresql:// URL")
        }
        return value
    }

    private func nonEmpty(_ name: String) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        return value
    }
}

/// Where the local development stack (`scripts/dev-stack`) listens.
public enum DevelopmentDefaults {
    public static let amqpURL = "amqp://guest:guest@127.0.0.1:5672/"
    public static let databaseURL = "postgresql://stocksync:stocksync@127.0.0.1:55432/stocksync"
}
