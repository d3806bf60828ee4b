import ServiceLifecycle

/// A service whose work is one blocking loop on a dedicated thread: `run()` starts it, and
/// shutdown or cancellation raise `stopSignal`, after which the loop finishes what it has
/// in hand and returns.
package protocol LoopService: Service, Sendable {
    var stopSignal: StopSignal { get }

    /// The loop, on its own thread; returns once `stopSignal` is raised and its work is done.
    func runUntilStopped()
}

extension LoopService {
    package func run() async throws {
        try await stopSignal.run { runUntilStopped() }
    }
}
