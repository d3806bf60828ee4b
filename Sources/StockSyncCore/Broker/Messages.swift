/// A message received from a queue.
public struct Delivery: Sendable {
    public var deliveryTag: UInt64
    public var routingKey: String
    public var messageID: String?
    /// String and integer headers; other kinds (tables, arrays) are left out.
    public var headers: [String: String]
    public var body: [UInt8]
}

/// A message to publish, persistent and mandatory (an unroutable one is an error).
public struct OutgoingMessage: Sendable {
    public var exchange: String
    public var routingKey: String
    public var messageID: String?
    public var contentType: String
    public var headers: [(String, String)]
    public var body: [UInt8]

    public init(exchange: String = "", routingKey: String, messageID: String? = nil,
                contentType: String = "application/json", headers: [(String, String)] = [], body: [UInt8]) {
        self.exchange = exchange
        self.routingKey = routingKey
        self.messageID = messageID
        self.contentType = contentType
        self.headers = headers
        self.body = body
    }
}
