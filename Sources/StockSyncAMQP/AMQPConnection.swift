import CRabbitMQ
import StockSyncRuntime
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Depth of a queue as RabbitMQ reports it: ready messages (not those delivered and
/// unacknowledged) and consumers.
package struct QueueStatus: Sendable, Equatable {
    package var messageCount: Int
    package var consumerCount: Int
}

/// One AMQP 0-9-1 connection with one channel, over rabbitmq-c. rabbitmq-c handles are not
/// thread-safe and every call blocks, so a connection belongs to one thread (a worker's
/// dedicated thread, or the CLI's). After any error the connection is unusable: drop it
/// and open another.
package final class AMQPConnection: @unchecked Sendable {  // every use of `state` holds `lastCall`'s lock
    private let state: amqp_connection_state_t
    /// When the owner's last call ended; its lock is the connection's, shared with `HeartbeatPacer`.
    private let lastCall = Mutex<ContinuousClock.Instant>(.now)
    /// As negotiated with the broker; zero when heartbeats are off.
    private let heartbeat: Duration
    private let channel: amqp_channel_t = 1
    private var isHealthy = true
    private var confirmsEnabled = false
    /// The delivery tag RabbitMQ will confirm the next publish with.
    private var nextPublishTag: UInt64 = 1

    /// How long a publisher waits for RabbitMQ's confirms before giving up on the connection.
    package var confirmTimeout: Duration = .seconds(30)

    package init(url: AMQPURL, name: String, timeout: Duration = .seconds(10)) throws(BrokerError) {
        guard let state = amqp_new_connection() else { throw .connectionFailed("out of memory") }
        guard let socket = amqp_tcp_socket_new(state) else {
            amqp_destroy_connection(state)
            throw .connectionFailed("cannot create a socket")
        }
        var connectTimeout = timeval(duration: timeout)
        let status = amqp_socket_open_noblock(socket, url.host, Int32(url.port), &connectTimeout)
        guard status == AMQP_STATUS_OK.rawValue else {
            amqp_destroy_connection(state)
            throw .connectionFailed("\(url.host):\(url.port): \(Self.statusText(status))")
        }
        let arena = CStringArena()
        var properties = arena.table(["connection_name": .string(name)])
        let login = crabbitmq_login_plain(state, url.virtualHost, 131_072, Int32(url.heartbeat.components.seconds),
                                          &properties, url.user, url.password)
        guard login.reply_type == AMQP_RESPONSE_NORMAL else {
            let error = Self.error(from: login, context: "login as \(url.user) to vhost \(url.virtualHost)")
            amqp_destroy_connection(state)
            throw .connectionFailed(error.description)
        }
        var rpcTimeout = timeval(duration: timeout)
        amqp_set_rpc_timeout(state, &rpcTimeout)
        guard amqp_channel_open(state, 1) != nil else {
            let error = Self.error(from: amqp_get_rpc_reply(state), context: "open channel")
            amqp_destroy_connection(state)
            throw error
        }
        self.state = state
        heartbeat = .seconds(Int(amqp_get_heartbeat(state)))
        if heartbeat > .zero { HeartbeatPacer.shared.register(self) }
    }

    deinit {
        HeartbeatPacer.shared.unregister(ObjectIdentifier(self))
        if isHealthy {
            _ = amqp_channel_close(state, channel, Int32(AMQP_REPLY_SUCCESS))
            _ = amqp_connection_close(state, Int32(AMQP_REPLY_SUCCESS))
        }
        amqp_destroy_connection(state)
    }

    /// Runs one call of the owner's with the connection's lock held.
    private func exclusive<T: Sendable>(_ body: () throws(BrokerError) -> T) throws(BrokerError) -> T {
        try lastCall.withLock { last throws(BrokerError) in
            defer { last = .now }
            return try body()
        }
    }

    // MARK: Queues

    /// Declares a durable queue, or with `passive` only checks that it exists.
    @discardableResult
    package func declareQueue(_ name: String, arguments: [QueueArgument] = [],
                             passive: Bool = false) throws(BrokerError) -> QueueStatus {
        return try exclusive { () throws(BrokerError) -> QueueStatus in
            let arena = CStringArena()
            let table = arena.table(FieldTable(arguments.map { argument in
                switch argument {
                case .string(let key, let value): (key: key, value: .string(value))
                case .int(let key, let value): (key: key, value: .int64(Int64(value)))
                }
            }))
            let declared = amqp_queue_declare(state, channel, arena.bytes(name), passive ? 1 : 0, 1, 0, 0, table)
            guard let declared else { throw failure("declare queue \(name)") }
            return QueueStatus(messageCount: Int(declared.pointee.message_count),
                               consumerCount: Int(declared.pointee.consumer_count))
        }
    }

    /// Declares a durable topic exchange.
    package func declareTopicExchange(_ name: String) throws(BrokerError) {
        try exclusive { () throws(BrokerError) -> Void in
            let arena = CStringArena()
            guard amqp_exchange_declare(state, channel, arena.bytes(name), arena.bytes("topic"), 0, 1, 0, 0,
                                        amqp_empty_table) != nil else {
                throw failure("declare exchange \(name)")
            }
        }
    }

    package func bind(queue: String, to exchange: String, routingKey: String) throws(BrokerError) {
        try exclusive { () throws(BrokerError) -> Void in
            let arena = CStringArena()
            guard amqp_queue_bind(state, channel, arena.bytes(queue), arena.bytes(exchange), arena.bytes(routingKey),
                                  amqp_empty_table) != nil else {
                throw failure("bind \(queue) to \(exchange)")
            }
        }
    }

    /// The queue's depth; throws if it does not exist.
    package func status(of queue: String) throws(BrokerError) -> QueueStatus {
        try declareQueue(queue, passive: true)
    }

    @discardableResult
    package func purge(_ queue: String) throws(BrokerError) -> Int {
        return try exclusive { () throws(BrokerError) -> Int in
            let arena = CStringArena()
            guard let purged = amqp_queue_purge(state, channel, arena.bytes(queue)) else {
                throw failure("purge \(queue)")
            }
            return Int(purged.pointee.message_count)
        }
    }

    // MARK: Publishing

    /// Publishes every message, then waits for RabbitMQ to confirm them all: one wait for
    /// the whole batch, not a round trip per message. Throws if any was refused or returned
    /// as unroutable; then none of them may be assumed delivered.
    package func publish(_ messages: [OutgoingMessage]) throws(BrokerError) {
        try exclusive { () throws(BrokerError) -> Void in
            guard !messages.isEmpty else { return }
            if !confirmsEnabled {
                guard amqp_confirm_select(state, channel) != nil else { throw failure("enable publisher confirms") }
                confirmsEnabled = true
            }
            let firstTag = nextPublishTag
            for message in messages {
                try send(message)
                nextPublishTag += 1
            }
            try awaitConfirms(firstTag: firstTag, count: messages.count)
        }
    }

    private func send(_ message: OutgoingMessage) throws(BrokerError) {
        let arena = CStringArena()
        var properties = arena.properties(message.properties)
        let status = message.body.withUnsafeBytes { body in
            amqp_basic_publish(state, channel, arena.bytes(message.exchange), arena.bytes(message.routingKey),
                               1, 0, &properties,
                               amqp_bytes_t(len: body.count, bytes: UnsafeMutableRawPointer(mutating: body.baseAddress)))
        }
        guard status == AMQP_STATUS_OK.rawValue else {
            isHealthy = false
            throw .connectionLost("publish: \(Self.statusText(status))")
        }
    }

    private func awaitConfirms(firstTag: UInt64, count: Int) throws(BrokerError) {
        var confirmed = [Bool](repeating: false, count: count)
        var pending = count
        var lowestPending = 0
        var refusals: [String] = []

        func settle(_ tag: UInt64, multiple: Bool) {
            guard tag >= firstTag else { return }
            let last = min(Int(tag - firstTag), count - 1)
            for index in (multiple ? lowestPending : last)...last where !confirmed[index] {
                confirmed[index] = true
                pending -= 1
            }
            while lowestPending < count, confirmed[lowestPending] { lowestPending += 1 }
        }

        while pending > 0 {
            var frame = amqp_frame_t()
            var timeout = timeval(duration: confirmTimeout)
            let status = amqp_simple_wait_frame_noblock(state, &frame, &timeout)
            guard status == AMQP_STATUS_OK.rawValue else {
                isHealthy = false
                throw .connectionLost("waiting for publisher confirms: \(Self.statusText(status))")
            }
            guard frame.frame_type == UInt8(AMQP_FRAME_METHOD) else { continue }
            let method = frame.payload.method
            switch method.id {
            case AMQP_BASIC_ACK_METHOD:
                let ack = method.decoded.assumingMemoryBound(to: amqp_basic_ack_t.self).pointee
                settle(ack.delivery_tag, multiple: ack.multiple != 0)
            case AMQP_BASIC_NACK_METHOD:
                let nack = method.decoded.assumingMemoryBound(to: amqp_basic_nack_t.self).pointee
                refusals.append("nacked by the broker")
                settle(nack.delivery_tag, multiple: nack.multiple != 0)
            case AMQP_BASIC_RETURN_METHOD:
                let returned = method.decoded.assumingMemoryBound(to: amqp_basic_return_t.self).pointee
                refusals.append("\(Int(returned.reply_code)) \(Self.string(returned.reply_text)) "
                                + "(routing key \(Self.string(returned.routing_key)))")
                var content = amqp_message_t()
                let read = amqp_read_message(state, frame.channel, &content, 0)
                amqp_destroy_message(&content)
                guard read.reply_type == AMQP_RESPONSE_NORMAL else {
                    isHealthy = false
                    throw Self.error(from: read, context: "read returned message")
                }
            case AMQP_CHANNEL_CLOSE_METHOD, AMQP_CONNECTION_CLOSE_METHOD:
                isHealthy = false
                throw Self.closeError(method)
            default:
                continue
            }
        }
        if let first = refusals.first {
            throw .publishRefused(refusals.count == 1 ? first : "\(first) and \(refusals.count - 1) more")
        }
    }

    // MARK: Consuming

    /// Starts a consumer with `prefetch` unacknowledged deliveries at most.
    package func consume(_ queue: String, prefetch: Int) throws(BrokerError) {
        try exclusive { () throws(BrokerError) -> Void in
            guard amqp_basic_qos(state, channel, 0, UInt16(clamping: prefetch), 0) != nil else {
                throw failure("set prefetch")
            }
            let arena = CStringArena()
            guard amqp_basic_consume(state, channel, arena.bytes(queue), amqp_empty_bytes, 0, 0, 0, amqp_empty_table) != nil
            else { throw failure("consume \(queue)") }
        }
    }

    /// The next delivery to this connection's consumer, or nil when none came within `timeout`.
    package func nextDelivery(timeout: Duration) throws(BrokerError) -> Delivery? {
        return try exclusive { () throws(BrokerError) -> Delivery? in
            amqp_maybe_release_buffers(state)
            var envelope = amqp_envelope_t()
            var wait = timeval(duration: timeout)
            let reply = amqp_consume_message(state, &envelope, &wait, 0)
            switch reply.reply_type {
            case AMQP_RESPONSE_NORMAL:
                defer { amqp_destroy_envelope(&envelope) }
                return Self.delivery(tag: envelope.delivery_tag, routingKey: envelope.routing_key, message: envelope.message)
            case AMQP_RESPONSE_LIBRARY_EXCEPTION where reply.library_error == AMQP_STATUS_TIMEOUT.rawValue:
                return nil
            case AMQP_RESPONSE_LIBRARY_EXCEPTION where reply.library_error == AMQP_STATUS_UNEXPECTED_STATE.rawValue:
                // A frame other than a delivery is waiting: a close, or a consumer cancellation.
                var frame = amqp_frame_t()
                guard amqp_simple_wait_frame(state, &frame) == AMQP_STATUS_OK.rawValue else {
                    isHealthy = false
                    throw .connectionLost("reading a frame")
                }
                guard frame.frame_type == UInt8(AMQP_FRAME_METHOD) else { return nil }
                switch frame.payload.method.id {
                case AMQP_CHANNEL_CLOSE_METHOD, AMQP_CONNECTION_CLOSE_METHOD:
                    isHealthy = false
                    throw Self.closeError(frame.payload.method)
                case AMQP_BASIC_CANCEL_METHOD:
                    isHealthy = false
                    throw .connectionLost("the broker cancelled the consumer (queue deleted?)")
                default:
                    return nil
                }
            default:
                isHealthy = false
                throw Self.error(from: reply, context: "consume")
            }
        }
    }

    /// Up to `limit` deliveries: waits up to `idle` for the first, then up to `linger`
    /// more for the rest, so a busy queue gives full batches and a quiet one short waits.
    package func nextBatch(limit: Int, linger: Duration, idle: Duration) throws(BrokerError) -> [Delivery] {
        guard let first = try nextDelivery(timeout: idle) else { return [] }
        var batch = [first]
        let clock = ContinuousClock()
        let deadline = clock.now + linger
        while batch.count < limit {
            let remaining = deadline - clock.now
            guard remaining > .zero, let next = try nextDelivery(timeout: remaining) else { break }
            batch.append(next)
        }
        return batch
    }

    /// Sends a heartbeat frame if nothing was sent for half the heartbeat interval and the
    /// owner is not inside a call (which services heartbeats itself). Called by
    /// `HeartbeatPacer`'s thread; a failure marks the connection broken for its owner's next call.
    func sendHeartbeatIfSilent() {
        _ = lastCall.withLockIfAvailable { last in
            guard isHealthy, heartbeat > .zero, ContinuousClock.now - last >= heartbeat / 2 else { return }
            var frame = amqp_frame_t()
            frame.frame_type = UInt8(AMQP_FRAME_HEARTBEAT)
            frame.channel = 0
            if amqp_send_frame(state, &frame) == AMQP_STATUS_OK.rawValue {
                last = .now
            } else {
                isHealthy = false
            }
        }
    }

    /// Acknowledges `deliveryTag`, and with `multiple` every earlier delivery too.
    package func ack(_ deliveryTag: UInt64, multiple: Bool = false) throws(BrokerError) {
        try exclusive { () throws(BrokerError) -> Void in
            let status = amqp_basic_ack(state, channel, deliveryTag, multiple ? 1 : 0)
            guard status == AMQP_STATUS_OK.rawValue else {
                isHealthy = false
                throw .connectionLost("ack: \(Self.statusText(status))")
            }
        }
    }

    /// Fetches one message without a consumer (`basic.get`), unacknowledged: ack it, or
    /// close the connection to return it to the queue.
    package func get(_ queue: String) throws(BrokerError) -> Delivery? {
        return try exclusive { () throws(BrokerError) -> Delivery? in
            let arena = CStringArena()
            let reply = amqp_basic_get(state, channel, arena.bytes(queue), 0)
            guard reply.reply_type == AMQP_RESPONSE_NORMAL else {
                isHealthy = false
                throw Self.error(from: reply, context: "get from \(queue)")
            }
            guard reply.reply.id == AMQP_BASIC_GET_OK_METHOD else { return nil }
            let getOK = reply.reply.decoded.assumingMemoryBound(to: amqp_basic_get_ok_t.self).pointee
            var message = amqp_message_t()
            let read = amqp_read_message(state, channel, &message, 0)
            guard read.reply_type == AMQP_RESPONSE_NORMAL else {
                isHealthy = false
                throw Self.error(from: read, context: "read message from \(queue)")
            }
            defer { amqp_destroy_message(&message) }
            return Self.delivery(tag: getOK.delivery_tag, routingKey: getOK.routing_key, message: message)
        }
    }

    // MARK: Helpers

    private func failure(_ context: String) -> BrokerError {
        isHealthy = false
        return Self.error(from: amqp_get_rpc_reply(state), context: context)
    }

    private static func delivery(tag: UInt64, routingKey: amqp_bytes_t, message: amqp_message_t) -> Delivery {
        Delivery(deliveryTag: tag, routingKey: string(routingKey), properties: MessageProperties(message.properties),
                 body: Array(UnsafeRawBufferPointer(start: message.body.bytes, count: message.body.len)))
    }

    static func string(_ bytes: amqp_bytes_t) -> String {
        guard bytes.len > 0, let start = bytes.bytes else { return "" }
        return String(decoding: UnsafeRawBufferPointer(start: start, count: bytes.len), as: UTF8.self)
    }

    private static func statusText(_ status: Int32) -> String {
        String(cString: amqp_error_string2(status))
    }

    private static func closeError(_ method: amqp_method_t) -> BrokerError {
        if method.id == AMQP_CONNECTION_CLOSE_METHOD {
            let close = method.decoded.assumingMemoryBound(to: amqp_connection_close_t.self).pointee
            return .closedByServer(code: Int(close.reply_code), text: string(close.reply_text))
        }
        let close = method.decoded.assumingMemoryBound(to: amqp_channel_close_t.self).pointee
        return .closedByServer(code: Int(close.reply_code), text: string(close.reply_text))
    }

    private static func error(from reply: amqp_rpc_reply_t, context: String) -> BrokerError {
        switch reply.reply_type {
        case AMQP_RESPONSE_LIBRARY_EXCEPTION:
            return .connectionLost("\(context): \(statusText(reply.library_error))")
        case AMQP_RESPONSE_SERVER_EXCEPTION:
            switch reply.reply.id {
            case AMQP_CONNECTION_CLOSE_METHOD, AMQP_CHANNEL_CLOSE_METHOD: return closeError(reply.reply)
            default: return .protocolError("\(context): unexpected method \(reply.reply.id)")
            }
        default:
            return .protocolError("\(context): no reply")
        }
    }
}

extension timeval {
    fileprivate init(duration: Duration) {
        let (seconds, attoseconds) = duration.components
        self.init(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
    }
}
