import StockSyncAMQP
import StockSyncPostgres
/// The connections of one healthy stretch of a consuming worker: a consumer, a publisher
/// (dead letters, follow-up messages) and a database connection. Any broker error discards
/// them all, and the broker redelivers whatever was not acknowledged.
final class ConsumerSession {
    let consumer: AMQPConnection
    let publisher: AMQPConnection
    var database: PostgresConnection

    init(amqpURL: AMQPURL, databaseURL: String, workerName: String, queue: String, prefetch: Int) throws {
        database = try PostgresConnection(url: databaseURL)
        publisher = try AMQPConnection(url: amqpURL, name: "\(workerName) publisher")
        consumer = try AMQPConnection(url: amqpURL, name: workerName)
        try QueueTopology.declare(on: consumer)
        try consumer.consume(queue, prefetch: prefetch)
    }
}
