import Glibc

/// The one clock for timeouts, deadlines, pacing and retries: `ContinuousClock`, which never jumps when the wall clock
/// is set (a Raspberry Pi without a clock chip sets its clock at boot, NTP steps it). `Date()` is for timestamps only.
///
/// A value of this type is a source of `now` that code takes as a parameter, so a test can drive time by hand
/// (`ManualClock` in the tests); `.system` reads `ContinuousClock`.
public struct MonotonicClock: Sendable {
    public typealias Instant = ContinuousClock.Instant

    private let read: @Sendable () -> Instant

    public init(now: @escaping @Sendable () -> Instant) {
        read = now
    }

    /// The machine's monotonic clock.
    public static let system = MonotonicClock { ContinuousClock.now }

    public var now: Instant { read() }

    /// `now` plus `duration`.
    public func deadline(after duration: Duration) -> Instant { now.advanced(by: duration) }

    /// Seconds since an arbitrary start, for code that keeps `Double` seconds (rates, ages shown to people).
    public static func seconds() -> Double {
        (ContinuousClock.now - origin).seconds
    }

    private static let origin = ContinuousClock.now

    /// Blocks the calling thread for `duration` (a thread of ours, never the cooperative pool). Woken early by a
    /// signal, it sleeps the rest.
    public static func sleep(for duration: Duration) {
        guard duration > .zero else { return }
        let (seconds, attoseconds) = duration.components
        var request = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }
}

extension Duration {
    /// The duration in seconds, for logs and `Double` arithmetic.
    public var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
