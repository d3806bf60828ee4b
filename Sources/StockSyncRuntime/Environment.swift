/// Typed reads of environment variables, each failure naming its variable.
package struct Environment: Sendable {
    package let values: [String: String]

    package init(_ values: [String: String]) {
        self.values = values
    }

    package func string(_ name: String, default defaultValue: String) -> String {
        nonEmpty(name) ?? defaultValue
    }

    /// A comma-separated list; unset or empty is none.
    package func list(_ name: String) -> [String] {
        (nonEmpty(name) ?? "").split(separator: ",").compactMap { item in
            let trimmed = item.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed()
            return trimmed.isEmpty ? nil : String(trimmed)
        }
    }

    package func int(_ name: String, default defaultValue: Int, in range: ClosedRange<Int>) throws(ConfigurationError)
        -> Int
    {
        guard let text = nonEmpty(name) else { return defaultValue }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError(setting: name,
                                     problem: "must be a whole number from \(range.lowerBound) to \(range.upperBound), not `\(text.prefix(32))`")
        }
        return value
    }

    package func optionalPort(_ name: String) throws(ConfigurationError) -> Int? {
        guard nonEmpty(name) != nil else { return nil }
        return try int(name, default: 0, in: 1...65535)
    }

    package func milliseconds(_ name: String, default defaultValue: Int, in range: ClosedRange<Int>)
        throws(ConfigurationError) -> Duration
    {
        .milliseconds(try int(name, default: defaultValue, in: range))
    }

    /// `DATABASE_URL`-style setting, handed to libpq as it is.
    package func databaseURL(_ name: String, default defaultValue: String) throws(ConfigurationError) -> String {
        let value = nonEmpty(name) ?? defaultValue
        guard value.hasPrefix("postgresql://") || value.hasPrefix("postgres://") else {
            throw ConfigurationError(setting: name, problem: "must be a postgresql:// URL")
        }
        return value
    }

    /// The variable's value, nil when unset or empty.
    package func nonEmpty(_ name: String) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        return value
    }
}

/// Where the local development stack (`scripts/dev-stack`) listens.
package enum DevelopmentDefaults {
    package static let amqpURL = "amqp://guest:guest@127.0.0.1:5672/"
    package static let databaseURL = "postgresql://stocksync:stocksync@127.0.0.1:55432/stocksync"
}
