/// One HTTP exchange's answer.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var body: [UInt8]

    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }
}

/// Why an exchange produced no answer. Every case may succeed when tried again.
public struct TransportError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable { case timeout, connection, other }
    public let kind: Kind
    public let detail: String

    public init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    public var description: String { detail }
}

/// Blocking HTTP, one exchange at a time; owned by one thread.
public protocol HTTPTransport: AnyObject {
    func post(_ url: String, headers: [(String, String)], body: [UInt8]) throws(TransportError) -> HTTPResponse
    func get(_ url: String, headers: [(String, String)]) throws(TransportError) -> HTTPResponse
    /// GETs `url` into the file at `path` as it arrives (for results too large to hold);
    /// returns the HTTP status.
    func download(_ url: String, to path: String) throws(TransportError) -> Int
}
