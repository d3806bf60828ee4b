#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs blocking work (rabbitmq-c and libpq calls) on a thread of its own, so that it
/// never occupies a thread of Swift's cooperative pool.
package enum DedicatedThread {
    private final class Job {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }

    package static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            do {
                try detach { continuation.resume(with: Result { try body() }) }
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }

    struct ThreadError: Error, CustomStringConvertible {
        let status: Int32
        var description: String { "cannot start a thread (error \(status))" }
    }
}

extension DedicatedThread {
    /// Starts `body` on a thread of its own and returns at once.
    package static func detach(_ body: @escaping @Sendable () -> Void) throws {
        let job = Unmanaged.passRetained(Job(body))
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { argument in
            Unmanaged<Job>.fromOpaque(argument!).takeRetainedValue().body()
            return nil
        }, job.toOpaque())
        guard status == 0 else {
            job.release()
            throw ThreadError(status: status)
        }
        pthread_detach(thread)
    }
}

