/// A message received from a queue.
package struct Delivery: Sendable {
    package var deliveryTag: UInt64
    package var routingKey: String
    /// Every property and header as it arrived.
    package var properties: MessageProperties
    package var body: [UInt8]

    package var messageID: String? { properties.messageID }

    /// The headers that have a text form (strings, integers, booleans), by name; the full
    /// table is `properties.headers`.
    package var headers: [String: String] {
        var text: [String: String] = [:]
        for entry in properties.headers.entries {
            if let value = entry.value.text, text[entry.key] == nil { text[entry.key] = value }
        }
        return text
    }
}

/// A message to publish, persistent and mandatory (an unroutable one is an error).
package struct OutgoingMessage: Sendable {
    package var exchange: String
    package var routingKey: String
    package var properties: MessageProperties
    package var body: [UInt8]

    package init(exchange: String = "", routingKey: String, messageID: String? = nil,
                contentType: String = "application/json", headers: [(String, String)] = [], body: [UInt8]) {
        self.init(exchange: exchange, routingKey: routingKey,
                  properties: MessageProperties(contentType: contentType, messageID: messageID,
                                                headers: FieldTable(headers.map { (key: $0.0, value: .string($0.1)) })),
                  body: body)
    }

    /// Published with exactly these properties, except that it is always persistent.
    package init(exchange: String = "", routingKey: String, properties: MessageProperties, body: [UInt8]) {
        self.exchange = exchange
        self.routingKey = routingKey
        self.properties = properties
        self.properties.deliveryMode = 2
        self.body = body
    }

    package var messageID: String? { properties.messageID }
}
