/// One HTTP exchange's answer.
package struct HTTPResponse: Sendable {
    package var status: Int
    package var body: [UInt8]
    /// The response headers the transport was asked to keep, by lower-case name.
    package var headers: [String: String]

    package init(status: Int, body: [UInt8], headers: [String: String] = [:]) {
        self.status = status
        self.body = body
        self.headers = headers
    }
}

/// Why an exchange produced no answer. Every case may succeed when tried again.
package struct TransportError: Error, Sendable, CustomStringConvertible {
    package enum Kind: Sendable { case timeout, connection, other }
    package let kind: Kind
    package let detail: String

    package init(_ kind: Kind, _ detail: String) {
        self.kind = kind
        self.detail = detail
    }

    package var description: String { detail }
}

/// Blocking HTTP, one exchange at a time; owned by one thread.
package protocol HTTPTransport: AnyObject {
    func post(_ url: String, headers: [(String, String)], body: [UInt8]) throws(TransportError) -> HTTPResponse
    func get(_ url: String, headers: [(String, String)]) throws(TransportError) -> HTTPResponse
    /// GETs `url` into the file at `path` as it arrives (for results too large to hold);
    /// returns the HTTP status.
    func download(_ url: String, to path: String) throws(TransportError) -> Int
}
