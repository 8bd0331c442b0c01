import FoundationEssentials
import Glibc
import Protocols
import Synchronization
import SystemSupport

/// Set once to ask a reader or sink thread to stop; the threads poll it between their timed waits.
package final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)

    package init() {}

    package var isSet: Bool { flag.load(ordering: .acquiring) }

    package func set() { flag.store(true, ordering: .releasing) }

    /// Sleeps up to `seconds` on the monotonic clock, in steps of at most 50 ms; returns early (false) when the
    /// flag is set.
    package func sleep(seconds: Double) -> Bool {
        let clock = MonotonicClock.system
        let deadline = clock.deadline(after: .seconds(max(0, seconds)))
        while clock.now < deadline {
            if isSet { return false }
            MonotonicClock.sleep(for: min(deadline - clock.now, .milliseconds(50)))
        }
        return !isSet
    }
}

/// Runs blocking work on its own thread and resumes the awaiting task when it is done, so `read(2)`, `poll(2)` and
/// `fsync(2)` never hold a thread of the cooperative pool.
func runOnThread(name: String, _ body: @escaping @Sendable () -> Void) async {
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        startDetachedThread(name: name) {
            body()
            continuation.resume()
        }
    }
}

/// Monotonic seconds, for intervals and pacing: the one monotonic clock, in `Double` seconds.
func monotonicSeconds() -> Double {
    MonotonicClock.seconds()
}

/// Resumes one waiting task once, on the first of several `fire()` calls (a thread that ended, a cancellation).
final class OneShot: Sendable {
    private enum State {
        case idle
        case waiting(CheckedContinuation<Void, Never>)
        case fired
    }

    private let state = Mutex(State.idle)

    /// Runs `start`, then suspends until `fire()` (which `start` may already have called).
    func wait(_ start: () -> Void) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state -> Bool in
                switch state {
                case .idle: state = .waiting(continuation); return false
                case .fired: return true
                case .waiting: preconditionFailure("OneShot waited on twice")
                }
            }
            if resumeNow { continuation.resume() }
            start()
        }
    }

    func fire() {
        let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
            switch state {
            case .waiting(let continuation): state = .fired; return continuation
            case .idle: state = .fired; return nil
            case .fired: return nil
            }
        }
        continuation?.resume()
    }
}
