/// A setting that cannot be used. Names the setting; never repeats a secret's value.
package struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    package let setting: String
    package let problem: String

    package init(setting: String, problem: String) {
        self.setting = setting
        self.problem = problem
    }

    package var description: String { "configuration error: \(setting) \(problem)" }
}
