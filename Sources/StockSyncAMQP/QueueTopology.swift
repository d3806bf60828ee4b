/// The queues every process declares at start. Declaring is idempotent: the same
/// arguments every time, from this one place.
package enum QueueTopology {
    package static let stockChanged = "stock-changed"
    package static let orderPlaced = "order-placed"
    package static let reconcileRequested = "reconcile-requested"
    package static let workQueues = [stockChanged, orderPlaced, reconcileRequested]

    /// How often a message may be delivered (consumers that crash on it included) before
    /// RabbitMQ dead-letters it, so a message that kills its worker cannot loop forever.
    package static let deliveryLimit = 20

    package static func deadLetterQueue(for queue: String) -> String { "\(queue).dead" }

    /// Headers a worker sets on a message it dead-letters.
    package enum DeadLetterHeader {
        package static let reason = "x-stocksync-reason"
        package static let worker = "x-stocksync-worker"
        package static let queue = "x-stocksync-queue"
        package static let all = [reason, worker, queue]
    }

    /// The topic exchange of reservation events (`reservation.created`, `.changed`,
    /// `.released`, `.fulfilled`): the ERP binds its own queues.
    package static let reservationExchange = "stocksync.reservations"
    /// Bound to every reservation event, so that none is dropped before the ERP binds its own.
    package static let erpReservations = "erp-reservations"

    /// Declares the reservation exchange and its default queue.
    package static func declareReservations(on connection: AMQPConnection) throws(BrokerError) {
        try connection.declareTopicExchange(reservationExchange)
        try connection.declareQueue(erpReservations, arguments: [.string("x-queue-type", "quorum")])
        try connection.bind(queue: erpReservations, to: reservationExchange, routingKey: "reservation.*")
    }

    /// Declares every work queue and its dead-letter queue.
    package static func declare(on connection: AMQPConnection) throws(BrokerError) {
        for queue in workQueues {
            try connection.declareQueue(deadLetterQueue(for: queue), arguments: [.string("x-queue-type", "quorum")])
            try connection.declareQueue(queue, arguments: [
                .string("x-queue-type", "quorum"),
                .string("x-dead-letter-exchange", ""),
                .string("x-dead-letter-routing-key", deadLetterQueue(for: queue)),
                .int("x-delivery-limit", deliveryLimit),
                // at-least-once dead-lettering needs the queue to refuse publishes when full
                // rather than drop its head.
                .string("x-dead-letter-strategy", "at-least-once"),
                .string("x-overflow", "reject-publish"),
            ])
        }
    }
}

/// One `x-` argument of a queue declaration.
package enum QueueArgument: Sendable {
    case string(String, String)
    case int(String, Int)
}
