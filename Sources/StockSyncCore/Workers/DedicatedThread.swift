#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs blocking work (rabbitmq-c and libpq calls) on a thread of its own, so that it
/// never occupies a thread of Swift's cooperative pool.
enum DedicatedThread {
    private final class Job {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            // The thread owns the job: retained here, released when the thread takes it.
            let job = Unmanaged.passRetained(Job { continuation.resume(with: Result { try body() }) })
            var thread = pthread_t()
            let status = pthread_create(&thread, nil, { argument in
                Unmanaged<Job>.fromOpaque(argument!).takeRetainedValue().body()
                return nil
            }, job.toOpaque())
            if status == 0 {
                pthread_detach(thread)
            } else {
                job.release()
                continuation.resume(throwing: ThreadError(status: status))
            }
        }
    }

    struct ThreadError: Error, CustomStringConvertible {
        let status: Int32
        var description: String { "cannot start a thread (error \(status))" }
    }
}
