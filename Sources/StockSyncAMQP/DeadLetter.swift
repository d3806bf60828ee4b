/// Builds the message that carries a refused delivery to its queue's dead-letter queue,
/// body untouched, with headers saying why and who refused it.
package enum DeadLetter {
    package static func message(for delivery: Delivery, from queue: String, reason: String,
                               worker: String) -> OutgoingMessage {
        OutgoingMessage(
            routingKey: QueueTopology.deadLetterQueue(for: queue),
            messageID: delivery.messageID,
            headers: [
                (QueueTopology.DeadLetterHeader.reason, String(reason.prefix(2_000))),
                (QueueTopology.DeadLetterHeader.worker, worker),
                (QueueTopology.DeadLetterHeader.queue, queue),
            ],
            body: delivery.body
        )
    }
}
