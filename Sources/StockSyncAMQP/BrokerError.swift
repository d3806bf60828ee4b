/// An AMQP failure. Never carries the URL or credentials.
package struct BrokerError: Error, CustomStringConvertible, Sendable {
    private enum Kind: Sendable {
        case connectionFailed(String)
        case connectionLost(String)
        case closedByServer(code: Int, text: String)
        case publishRefused(String)
        case protocolError(String)
        case unavailable
        case notConfirmedInTime(Duration)
    }

    private let kind: Kind

    static func connectionFailed(_ message: String) -> BrokerError { BrokerError(kind: .connectionFailed(message)) }
    static func connectionLost(_ message: String) -> BrokerError { BrokerError(kind: .connectionLost(message)) }
    static func closedByServer(code: Int, text: String) -> BrokerError {
        BrokerError(kind: .closedByServer(code: code, text: text))
    }
    static func publishRefused(_ message: String) -> BrokerError { BrokerError(kind: .publishRefused(message)) }
    static func protocolError(_ message: String) -> BrokerError { BrokerError(kind: .protocolError(message)) }
    /// The broker was unreachable moments ago; not tried again yet.
    static let unavailable = BrokerError(kind: .unavailable)
    static func notConfirmedInTime(_ deadline: Duration) -> BrokerError { BrokerError(kind: .notConfirmedInTime(deadline)) }

    /// A new connection can succeed where this one failed. Server refusals of what we
    /// asked (a queue declared with other arguments, access refused) are not retriable.
    package var isRetriable: Bool {
        switch kind {
        case .connectionFailed, .connectionLost, .publishRefused, .unavailable, .notConfirmedInTime: return true
        case .protocolError: return false
        case .closedByServer(let code, _):
            // 320 connection-forced (broker restart), 505/506 frame or resource trouble.
            return [320, 505, 506].contains(code)
        }
    }

    package var description: String {
        switch kind {
        case .connectionFailed(let message): return "cannot connect to RabbitMQ: \(message)"
        case .connectionLost(let message): return "RabbitMQ connection lost: \(message)"
        case .closedByServer(let code, let text): return "RabbitMQ closed the channel: \(code) \(text)"
        case .publishRefused(let message): return "RabbitMQ refused a publish: \(message)"
        case .protocolError(let message): return "AMQP protocol error: \(message)"
        case .unavailable: return "RabbitMQ is unavailable"
        case .notConfirmedInTime(let deadline): return "RabbitMQ did not confirm within \(deadline)"
        }
    }
}
