/// `amqp://user:password@host:port/vhost?heartbeat=seconds`, as RabbitMQ documents its URI
/// scheme and its `heartbeat` query parameter (https://www.rabbitmq.com/docs/uri-query-parameters).
package struct AMQPURL: Sendable, CustomStringConvertible {
    package var host: String
    package var port: Int
    package var user: String
    package var password: String
    package var virtualHost: String
    /// The heartbeat timeout asked of the broker; 0 turns heartbeats off.
    package var heartbeat: Duration = .seconds(30)

    package struct ParseError: Error, CustomStringConvertible {
        package let description: String
    }

    package init(host: String = "127.0.0.1", port: Int = 5672, user: String = "guest", password: String = "guest",
                virtualHost: String = "/") {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.virtualHost = virtualHost
    }

    package init(parsing text: String) throws(ParseError) {
        guard text.hasPrefix("amqp://") else {
            throw ParseError(description: "must start with amqp:// (amqps is not supported)")
        }
        var rest = Substring(text.dropFirst("amqp://".count))
        var heartbeat = Duration.seconds(30)
        if let question = rest.firstIndex(of: "?") {
            for parameter in rest[rest.index(after: question)...].split(separator: "&") {
                let pair = parameter.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                guard pair[0] == "heartbeat" else {
                    throw ParseError(description: "the query parameter `\(pair[0].prefix(32))` is not supported (only heartbeat)")
                }
                guard pair.count == 2, let seconds = Int(pair[1]), (0...3_600).contains(seconds) else {
                    throw ParseError(description: "heartbeat must be a number of seconds from 0 to 3600")
                }
                heartbeat = .seconds(seconds)
            }
            rest = rest[..<question]
        }
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        var user = "guest", password = "guest"
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            let parts = credentials.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard let decodedUser = Self.percentDecoded(parts[0]) else {
                throw ParseError(description: "the user name has a bad percent-escape")
            }
            user = decodedUser
            if parts.count == 2 {
                guard let decodedPassword = Self.percentDecoded(parts[1]) else {
                    throw ParseError(description: "the password has a bad percent-escape")
                }
                password = decodedPassword
            }
        }
        var host = rest, port = 5672
        if let colon = rest.lastIndex(of: ":"), !rest.hasSuffix("]") {
            host = rest[..<colon]
            guard let number = Int(rest[rest.index(after: colon)...]), (1...65535).contains(number) else {
                throw ParseError(description: "the port must be a number from 1 to 65535")
            }
            port = number
        }
        guard !host.isEmpty else { throw ParseError(description: "the host is missing") }
        guard let virtualHost = Self.percentDecoded(path) else {
            throw ParseError(description: "the virtual host has a bad percent-escape")
        }
        self.init(host: String(host), port: port, user: user, password: password,
                  virtualHost: virtualHost.isEmpty ? "/" : virtualHost)
        self.heartbeat = heartbeat
    }

    /// The URL without its password, for logs.
    package var description: String {
        let vhost = virtualHost == "/" ? "" : virtualHost
        return "amqp://\(user)@\(host):\(port)/\(vhost)"
    }

    private static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                return nil
            }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
