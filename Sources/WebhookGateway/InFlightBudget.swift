import Synchronization

/// How many deliveries the gateway holds at once, and how many body bytes they have buffered.
/// A delivery is admitted before its body is read and takes bytes as they arrive, so a flood
/// of large posts is answered 503 once the bytes run out and slow senders cost only what they
/// sent; either bound keeps the gateway's memory from growing without end.
final class InFlightBudget: Sendable {
    private let maximumDeliveries: Int
    private let maximumBytes: Int
    private let held = Mutex<(deliveries: Int, bytes: Int)>((0, 0))

    init(maximumDeliveries: Int, maximumBytes: Int) {
        self.maximumDeliveries = maximumDeliveries
        self.maximumBytes = maximumBytes
    }

    /// Whether one more delivery may be held; if so, `leave` must follow.
    func admit() -> Bool {
        held.withLock { held in
            guard held.deliveries < maximumDeliveries else { return false }
            held.deliveries += 1
            return true
        }
    }

    func leave() {
        held.withLock { $0.deliveries -= 1 }
    }

    /// Whether `count` more body bytes may be buffered; if so, `give` must return them.
    func take(bytes count: Int) -> Bool {
        held.withLock { held in
            guard held.bytes + count <= maximumBytes else { return false }
            held.bytes += count
            return true
        }
    }

    func give(bytes count: Int) {
        held.withLock { $0.bytes -= count }
    }
}
