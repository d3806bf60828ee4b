import ServiceLifecycle
import Synchronization

/// Tells a worker's loop, running on a thread of its own, that it should stop: on graceful
/// shutdown (SIGTERM) or cancellation the loop finishes what it has in hand and returns.
package final class StopSignal: Sendable {
    private let raised = Atomic<Bool>(false)

    package init() {}

    package var isRaised: Bool { raised.load(ordering: .relaxed) }

    package func raise() {
        raised.store(true, ordering: .relaxed)
    }

    /// Runs `loop` on a dedicated thread until it returns; shutdown and cancellation raise the signal.
    package func run(_ loop: @escaping @Sendable () -> Void) async throws {
        try await withGracefulShutdownHandler {
            try await withTaskCancellationHandler {
                try await DedicatedThread.run(loop)
            } onCancel: {
                raise()
            }
        } onGracefulShutdown: {
            self.raise()
        }
    }

    /// Sleeps in short steps, so that a shutdown is not kept waiting.
    package func pause(_ duration: Duration) {
        let clock = ContinuousClock()
        let deadline = clock.now + duration
        while !isRaised, clock.now < deadline {
            blockingSleep(min(deadline - clock.now, .milliseconds(100)))
        }
    }
}
