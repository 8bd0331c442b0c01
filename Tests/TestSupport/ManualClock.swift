import Synchronization
import SystemSupport

/// A monotonic clock that moves only when a test says so: hand `clock` to the code under test, then `advance` it.
/// While it stands still, real time (and the wall clock) may pass without any deadline on it coming closer.
public final class ManualClock: Sendable {
    private let instant: Mutex<MonotonicClock.Instant>

    public init() {
        instant = Mutex(ContinuousClock.now)
    }

    public var now: MonotonicClock.Instant { instant.withLock { $0 } }

    public func advance(by duration: Duration) {
        instant.withLock { $0 = $0.advanced(by: duration) }
    }

    public var clock: MonotonicClock {
        MonotonicClock { [self] in now }
    }
}
