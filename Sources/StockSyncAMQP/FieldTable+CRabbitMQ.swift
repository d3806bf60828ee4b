import CRabbitMQ

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// C copies of what rabbitmq-c borrows for the length of one call: strings (copied with
/// their real length, so a NUL inside one is sent as it is and never read past), tables
/// and arrays. Freed when the arena goes.
final class CStringArena {
    private var allocations: [UnsafeMutableRawPointer] = []

    deinit {
        allocations.forEach { free($0) }
    }

    func bytes(_ string: String) -> amqp_bytes_t {
        bytes(Array(string.utf8))
    }

    func bytes(_ bytes: [UInt8]) -> amqp_bytes_t {
        guard !bytes.isEmpty else { return amqp_bytes_t(len: 0, bytes: nil) }
        let copy = malloc(bytes.count)!
        allocations.append(copy)
        bytes.withUnsafeBytes { copy.copyMemory(from: $0.baseAddress!, byteCount: bytes.count) }
        return amqp_bytes_t(len: bytes.count, bytes: copy)
    }

    private func buffer<Element>(of type: Element.Type, count: Int) -> UnsafeMutablePointer<Element>? {
        guard count > 0 else { return nil }
        let memory = malloc(count * MemoryLayout<Element>.stride)!
        allocations.append(memory)
        return memory.bindMemory(to: Element.self, capacity: count)
    }

    func table(_ table: FieldTable) -> amqp_table_t {
        let entries = buffer(of: amqp_table_entry_t.self, count: table.entries.count)
        for (index, entry) in table.entries.enumerated() {
            (entries! + index).initialize(to: amqp_table_entry_t(key: bytes(entry.key), value: value(entry.value)))
        }
        return amqp_table_t(num_entries: Int32(table.entries.count), entries: entries)
    }

    func value(_ value: FieldValue) -> amqp_field_value_t {
        var field = amqp_field_value_t()
        func set(_ kind: amqp_field_value_kind_t) { field.kind = UInt8(kind.rawValue) }
        switch value {
        case .boolean(let flag): set(AMQP_FIELD_KIND_BOOLEAN); field.value.boolean = flag ? 1 : 0
        case .int8(let number): set(AMQP_FIELD_KIND_I8); field.value.i8 = number
        case .uint8(let number): set(AMQP_FIELD_KIND_U8); field.value.u8 = number
        case .int16(let number): set(AMQP_FIELD_KIND_I16); field.value.i16 = number
        case .uint16(let number): set(AMQP_FIELD_KIND_U16); field.value.u16 = number
        case .int32(let number): set(AMQP_FIELD_KIND_I32); field.value.i32 = number
        case .uint32(let number): set(AMQP_FIELD_KIND_U32); field.value.u32 = number
        case .int64(let number): set(AMQP_FIELD_KIND_I64); field.value.i64 = number
        case .uint64(let number): set(AMQP_FIELD_KIND_U64); field.value.u64 = number
        case .float(let number): set(AMQP_FIELD_KIND_F32); field.value.f32 = number
        case .double(let number): set(AMQP_FIELD_KIND_F64); field.value.f64 = number
        case .decimal(let scale, let number):
            set(AMQP_FIELD_KIND_DECIMAL); field.value.decimal = amqp_decimal_t(decimals: scale, value: number)
        case .longString(let text): set(AMQP_FIELD_KIND_UTF8); field.value.bytes = bytes(text)
        case .bytes(let data): set(AMQP_FIELD_KIND_BYTES); field.value.bytes = bytes(data)
        case .timestamp(let seconds): set(AMQP_FIELD_KIND_TIMESTAMP); field.value.u64 = seconds
        case .table(let nested): set(AMQP_FIELD_KIND_TABLE); field.value.table = table(nested)
        case .array(let items):
            set(AMQP_FIELD_KIND_ARRAY)
            let entries = buffer(of: amqp_field_value_t.self, count: items.count)
            for (index, item) in items.enumerated() { (entries! + index).initialize(to: self.value(item)) }
            field.value.array = amqp_array_t(num_entries: Int32(items.count), entries: entries)
        case .void: set(AMQP_FIELD_KIND_VOID)
        }
        return field
    }

    /// The C properties of `properties`, each flag set for what is present.
    func properties(_ properties: MessageProperties) -> amqp_basic_properties_t {
        var c = amqp_basic_properties_t()
        func flag(_ value: Int32) { c._flags |= amqp_flags_t(value) }
        func text(_ value: String?, _ bit: Int32, _ assign: (amqp_bytes_t) -> Void) {
            guard let value else { return }
            flag(bit)
            assign(bytes(value))
        }
        text(properties.contentType, AMQP_BASIC_CONTENT_TYPE_FLAG) { c.content_type = $0 }
        text(properties.contentEncoding, AMQP_BASIC_CONTENT_ENCODING_FLAG) { c.content_encoding = $0 }
        if !properties.headers.isEmpty {
            flag(AMQP_BASIC_HEADERS_FLAG)
            c.headers = table(properties.headers)
        }
        if let mode = properties.deliveryMode { flag(AMQP_BASIC_DELIVERY_MODE_FLAG); c.delivery_mode = mode }
        if let priority = properties.priority { flag(AMQP_BASIC_PRIORITY_FLAG); c.priority = priority }
        text(properties.correlationID, AMQP_BASIC_CORRELATION_ID_FLAG) { c.correlation_id = $0 }
        text(properties.replyTo, AMQP_BASIC_REPLY_TO_FLAG) { c.reply_to = $0 }
        text(properties.expiration, AMQP_BASIC_EXPIRATION_FLAG) { c.expiration = $0 }
        text(properties.messageID, AMQP_BASIC_MESSAGE_ID_FLAG) { c.message_id = $0 }
        if let timestamp = properties.timestamp { flag(AMQP_BASIC_TIMESTAMP_FLAG); c.timestamp = timestamp }
        text(properties.type, AMQP_BASIC_TYPE_FLAG) { c.type = $0 }
        text(properties.userID, AMQP_BASIC_USER_ID_FLAG) { c.user_id = $0 }
        text(properties.appID, AMQP_BASIC_APP_ID_FLAG) { c.app_id = $0 }
        text(properties.clusterID, AMQP_BASIC_CLUSTER_ID_FLAG) { c.cluster_id = $0 }
        return c
    }
}

extension MessageProperties {
    /// A copy of what rabbitmq-c decoded, which it frees with the message.
    init(_ c: amqp_basic_properties_t) {
        self.init()
        func has(_ bit: Int32) -> Bool { c._flags & amqp_flags_t(bit) != 0 }
        func text(_ bit: Int32, _ value: amqp_bytes_t) -> String? { has(bit) ? AMQPConnection.string(value) : nil }
        contentType = text(AMQP_BASIC_CONTENT_TYPE_FLAG, c.content_type)
        contentEncoding = text(AMQP_BASIC_CONTENT_ENCODING_FLAG, c.content_encoding)
        if has(AMQP_BASIC_HEADERS_FLAG) { headers = FieldTable(c.headers) }
        deliveryMode = has(AMQP_BASIC_DELIVERY_MODE_FLAG) ? c.delivery_mode : nil
        priority = has(AMQP_BASIC_PRIORITY_FLAG) ? c.priority : nil
        correlationID = text(AMQP_BASIC_CORRELATION_ID_FLAG, c.correlation_id)
        replyTo = text(AMQP_BASIC_REPLY_TO_FLAG, c.reply_to)
        expiration = text(AMQP_BASIC_EXPIRATION_FLAG, c.expiration)
        messageID = text(AMQP_BASIC_MESSAGE_ID_FLAG, c.message_id)
        timestamp = has(AMQP_BASIC_TIMESTAMP_FLAG) ? c.timestamp : nil
        type = text(AMQP_BASIC_TYPE_FLAG, c.type)
        userID = text(AMQP_BASIC_USER_ID_FLAG, c.user_id)
        appID = text(AMQP_BASIC_APP_ID_FLAG, c.app_id)
        clusterID = text(AMQP_BASIC_CLUSTER_ID_FLAG, c.cluster_id)
    }
}

extension FieldTable {
    init(_ c: amqp_table_t) {
        self.init((0..<Int(c.num_entries)).map { index in
            let entry = c.entries[index]
            return (key: AMQPConnection.string(entry.key), value: FieldValue(entry.value))
        })
    }
}

extension FieldValue {
    /// Kinds rabbitmq-c knows but this enum lacks do not exist: it decodes only these.
    init(_ c: amqp_field_value_t) {
        func bytes(_ value: amqp_bytes_t) -> [UInt8] {
            guard value.len > 0, let start = value.bytes else { return [] }
            return Array(UnsafeRawBufferPointer(start: start, count: value.len))
        }
        switch amqp_field_value_kind_t(UInt32(c.kind)) {
        case AMQP_FIELD_KIND_BOOLEAN: self = .boolean(c.value.boolean != 0)
        case AMQP_FIELD_KIND_I8: self = .int8(c.value.i8)
        case AMQP_FIELD_KIND_U8: self = .uint8(c.value.u8)
        case AMQP_FIELD_KIND_I16: self = .int16(c.value.i16)
        case AMQP_FIELD_KIND_U16: self = .uint16(c.value.u16)
        case AMQP_FIELD_KIND_I32: self = .int32(c.value.i32)
        case AMQP_FIELD_KIND_U32: self = .uint32(c.value.u32)
        case AMQP_FIELD_KIND_I64: self = .int64(c.value.i64)
        case AMQP_FIELD_KIND_U64: self = .uint64(c.value.u64)
        case AMQP_FIELD_KIND_F32: self = .float(c.value.f32)
        case AMQP_FIELD_KIND_F64: self = .double(c.value.f64)
        case AMQP_FIELD_KIND_DECIMAL: self = .decimal(scale: c.value.decimal.decimals, value: c.value.decimal.value)
        case AMQP_FIELD_KIND_UTF8: self = .longString(bytes(c.value.bytes))
        case AMQP_FIELD_KIND_BYTES: self = .bytes(bytes(c.value.bytes))
        case AMQP_FIELD_KIND_TIMESTAMP: self = .timestamp(c.value.u64)
        case AMQP_FIELD_KIND_TABLE: self = .table(FieldTable(c.value.table))
        case AMQP_FIELD_KIND_ARRAY:
            let array = c.value.array
            self = .array((0..<Int(array.num_entries)).map { FieldValue(array.entries[$0]) })
        default: self = .void
        }
    }
}
