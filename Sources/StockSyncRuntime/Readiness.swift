import Synchronization

/// Whether every long-lived session of the process is connected and working: what
/// `/ready` answers (`MetricsServer`), beside `/health`, which only says the process lives.
/// Each `SessionLoop` joins when it starts, is ready once a step succeeded, and not ready
/// from an interruption until its next success.
package final class Readiness: Sendable {
    package static let process = Readiness()

    private struct Part {
        var what: String
        var ready: Bool
    }

    private let parts = Mutex<(next: Int, parts: [Int: Part])>((0, [:]))

    package init() {}

    /// A new part, not ready yet; its id for `set` and `leave`.
    package func join(_ what: String) -> Int {
        parts.withLock { state in
            defer { state.next += 1 }
            state.parts[state.next] = Part(what: what, ready: false)
            return state.next
        }
    }

    package func set(_ id: Int, ready: Bool) {
        parts.withLock { $0.parts[id]?.ready = ready }
    }

    package func leave(_ id: Int) {
        _ = parts.withLock { $0.parts.removeValue(forKey: id) }
    }

    /// Ready when at least one part joined and every part is ready; else what is waited for.
    package var waitingFor: [String]? {
        parts.withLock { state in
            let waiting = state.parts.values.filter { !$0.ready }.map(\.what).sorted()
            return state.parts.isEmpty ? ["the process's sessions to start"] : waiting.isEmpty ? nil : waiting
        }
    }
}
