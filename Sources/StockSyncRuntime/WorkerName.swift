#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The name a process gives itself in logs, dead-letter headers and RabbitMQ's connection
/// list, unless `WORKER_NAME` says otherwise.
package enum WorkerName {
    /// `<program>@<host>#<pid>`: unique among every copy on every host.
    package static func unique(_ program: String) -> String {
        var host = [CChar](repeating: 0, count: 256)
        gethostname(&host, host.count - 1)
        let hostName = String(decoding: host.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return "\(program)@\(hostName)#\(getpid())"
    }
}
