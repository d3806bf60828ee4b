/// An AMQP 0-9-1 field value, every kind a header may hold, nested tables and arrays
/// included (RabbitMQ's `x-death` is an array of tables), so that a message can be passed on
/// exactly as it came: a dead letter and its replay keep every header of the original.
package indirect enum FieldValue: Sendable, Equatable {
    case boolean(Bool)
    case int8(Int8), uint8(UInt8), int16(Int16), uint16(UInt16)
    case int32(Int32), uint32(UInt32), int64(Int64), uint64(UInt64)
    case float(Float), double(Double)
    case decimal(scale: UInt8, value: UInt32)
    /// A long string, as bytes: AMQP does not promise UTF-8, and a copy must not change them.
    case longString([UInt8])
    case bytes([UInt8])
    case timestamp(UInt64)
    case table(FieldTable)
    case array([FieldValue])
    case void

    package static func string(_ text: String) -> FieldValue { .longString(Array(text.utf8)) }

    /// The value as text, for strings, integers and booleans; nil for other kinds.
    package var text: String? {
        switch self {
        case .longString(let bytes), .bytes(let bytes): String(decoding: bytes, as: UTF8.self)
        case .int8(let value): String(value)
        case .uint8(let value): String(value)
        case .int16(let value): String(value)
        case .uint16(let value): String(value)
        case .int32(let value): String(value)
        case .uint32(let value): String(value)
        case .int64(let value): String(value)
        case .uint64(let value): String(value)
        case .boolean(let value): value ? "true" : "false"
        default: nil
        }
    }
}

/// An AMQP field table: entries in their order, keys as sent.
package struct FieldTable: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    package var entries: [(key: String, value: FieldValue)]

    package init(_ entries: [(key: String, value: FieldValue)] = []) {
        self.entries = entries
    }

    package init(dictionaryLiteral elements: (String, FieldValue)...) {
        entries = elements.map { (key: $0.0, value: $0.1) }
    }

    package var isEmpty: Bool { entries.isEmpty }

    /// The first entry named `key`, compared byte for byte.
    package subscript(key: String) -> FieldValue? {
        get { entries.first { $0.key.utf8.elementsEqual(key.utf8) }?.value }
        set {
            let index = entries.firstIndex { $0.key.utf8.elementsEqual(key.utf8) }
            switch (index, newValue) {
            case let (index?, value?): entries[index].value = value
            case let (index?, nil): entries.remove(at: index)
            case let (nil, value?): entries.append((key: key, value: value))
            case (nil, nil): break
            }
        }
    }

    /// The same entries, in any order: a table is a map, and RabbitMQ sorts it by key.
    package static func == (lhs: FieldTable, rhs: FieldTable) -> Bool {
        func sorted(_ table: FieldTable) -> [(key: String, value: FieldValue)] {
            table.entries.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        }
        return lhs.entries.count == rhs.entries.count
            && zip(sorted(lhs), sorted(rhs)).allSatisfy { $0.key.utf8.elementsEqual($1.key.utf8) && $0.value == $1.value }
    }
}

/// The basic properties of a message (AMQP 0-9-1 `basic` class), each nil when not sent.
package struct MessageProperties: Sendable, Equatable {
    package var contentType: String?
    package var contentEncoding: String?
    package var headers: FieldTable = [:]
    /// 2 is persistent; everything this system publishes is.
    package var deliveryMode: UInt8?
    package var priority: UInt8?
    package var correlationID: String?
    package var replyTo: String?
    package var expiration: String?
    package var messageID: String?
    package var timestamp: UInt64?
    package var type: String?
    package var userID: String?
    package var appID: String?
    package var clusterID: String?

    package init(contentType: String? = nil, messageID: String? = nil, headers: FieldTable = [:]) {
        self.contentType = contentType
        self.messageID = messageID
        self.headers = headers
    }
}
