/// A message received from a queue.
package struct Delivery: Sendable {
    package var deliveryTag: UInt64
    package var routingKey: String
    package var messageID: String?
    /// String and integer headers; other kinds (tables, arrays) are left out.
    package var headers: [String: String]
    package var body: [UInt8]
}

/// A message to publish, persistent and mandatory (an unroutable one is an error).
package struct OutgoingMessage: Sendable {
    package var exchange: String
    package var routingKey: String
    package var messageID: String?
    package var contentType: String
    package var headers: [(String, String)]
    package var body: [UInt8]

    package init(exchange: String = "", routingKey: String, messageID: String? = nil,
                contentType: String = "application/json", headers: [(String, String)] = [], body: [UInt8]) {
        self.exchange = exchange
        self.routingKey = routingKey
        self.messageID = messageID
        self.contentType = contentType
        self.headers = headers
        self.body = body
    }
}
