import Synchronization

/// Set once; every task waiting for it resumes then, and later waits return at once. Not cancellable: whoever
/// cancels the waiting task also sets the latch (see `ReadersService`).
package final class Latch: Sendable {
    private struct State {
        var isSet = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    package init() {}

    package var isSet: Bool { state.withLock { $0.isSet } }

    package func set() {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            guard !state.isSet else { return [] }
            state.isSet = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    package func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state -> Bool in
                if state.isSet { return true }
                state.waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }
}
