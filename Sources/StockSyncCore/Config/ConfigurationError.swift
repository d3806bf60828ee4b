/// A setting that cannot be used. Names the setting; never repeats a secret's value.
public struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    public let setting: String
    public let problem: String

    public init(setting: String, problem: String) {
        self.setting = setting
        self.problem = problem
    }

    public var description: String { "configuration error: \(setting) \(problem)" }
}
