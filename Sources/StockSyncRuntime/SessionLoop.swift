import Logging

/// The life of every long-lived set of connections (a session: a consumer with its
/// publisher and database, a publisher lane, the outbox relay's pair, the push claimer's
/// database): make it, use it step after step until anything fails, drop it, wait out a
/// backoff, make it again; until the stop signal is raised. Runs on the caller's dedicated
/// thread.
package struct SessionLoop<Session> {
    /// Says in logs what was interrupted: "`what` interrupted; reconnecting".
    package var what: String
    package var stopSignal: StopSignal
    package var logger: Logger
    package var backoff: Backoff
    /// Runs instead of a plain sleep while the loop waits to reconnect; `StopSignal.pause`
    /// unless a session has work that cannot wait (failing callers fast).
    package var waitToReconnect: (Duration) -> Void
    /// Whether to go on; until the stop signal unless work in hand must finish first.
    package var keepRunning: () -> Bool

    package init(what: String, stopSignal: StopSignal, logger: Logger, backoff: Backoff = Backoff(),
                 waitToReconnect: ((Duration) -> Void)? = nil, keepRunning: (() -> Bool)? = nil) {
        self.what = what
        self.stopSignal = stopSignal
        self.logger = logger
        self.backoff = backoff
        self.waitToReconnect = waitToReconnect ?? { [stopSignal] in stopSignal.pause($0) }
        self.keepRunning = keepRunning ?? { [stopSignal] in !stopSignal.isRaised }
    }

    /// - Parameters:
    ///   - connect: makes a session; throwing counts as an interruption.
    ///   - step: one unit of work on the session; throwing drops the session.
    package func run(connect: () throws -> Session, _ step: (Session) throws -> Void) {
        var session: Session?
        var backoff = backoff
        let readiness = Readiness.process.join(what)
        defer { Readiness.process.leave(readiness) }
        while keepRunning() {
            do {
                let current = try session ?? connect()
                session = current
                try step(current)
                backoff.reset()
                Readiness.process.set(readiness, ready: true)
            } catch {
                Readiness.process.set(readiness, ready: false)
                session = nil
                let wait = backoff.next()
                logger.error("\(what) interrupted; reconnecting", metadata: ["error": "\(error)", "retry_in": "\(wait)"])
                waitToReconnect(wait)
            }
        }
    }
}

/// Runs `body` until it succeeds, waiting out failures that `isTransient` says may pass
/// (an outage) with what the caller holds still in hand, so that a long outage does not
/// spend a message's delivery limit (the session's AMQP connections stay alive meanwhile:
/// `HeartbeatPacer`). Once the stop signal is raised, a transient failure is thrown like
/// any other.
package func retryingTransientFailures<T>(
    logging message: Logger.Message, stopSignal: StopSignal, logger: Logger, metadata: Logger.Metadata = [:],
    isTransient: (any Error) -> Bool, _ body: () throws -> T
) throws -> T {
    var backoff = Backoff()
    while true {
        do {
            return try body()
        } catch where isTransient(error) && !stopSignal.isRaised {
            let wait = backoff.next()
            logger.warning(message, metadata: metadata.merging(
                ["error": "\(error)", "retry_in": "\(wait)"], uniquingKeysWith: { $1 }))
            stopSignal.pause(wait)
        }
    }
}
