/// Builds the message that carries a refused delivery to its queue's dead-letter queue, and
/// the one that replays it: the body and every property and header of the original
/// untouched (an order webhook cannot be read without Shopify's headers), plus headers
/// saying why and who refused it.
package enum DeadLetter {
    package static func message(for delivery: Delivery, from queue: String, reason: String,
                               worker: String) -> OutgoingMessage {
        var properties = delivery.properties
        properties.headers[QueueTopology.DeadLetterHeader.reason] = .string(String(reason.prefix(2_000)))
        properties.headers[QueueTopology.DeadLetterHeader.worker] = .string(worker)
        properties.headers[QueueTopology.DeadLetterHeader.queue] = .string(queue)
        return OutgoingMessage(routingKey: QueueTopology.deadLetterQueue(for: queue), properties: properties,
                               body: delivery.body)
    }

    /// The original message again, for its work queue: our reason headers are dropped, so
    /// that a second refusal records its own, and so is the quorum queue's delivery count,
    /// which the work queue keeps afresh; RabbitMQ's `x-death` history is kept.
    package static func replay(_ deadLetter: Delivery, to queue: String) -> OutgoingMessage {
        var properties = deadLetter.properties
        for header in QueueTopology.DeadLetterHeader.all + ["x-delivery-count"] { properties.headers[header] = nil }
        return OutgoingMessage(routingKey: queue, properties: properties, body: deadLetter.body)
    }
}
