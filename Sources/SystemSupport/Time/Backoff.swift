/// How long to wait before the next attempt after a run of failures: `initial` after the first, multiplied by `factor`
/// after each further one up to `maximum`, each delay spread by up to ±`jitter` (a fraction) so that clients that
/// failed together do not retry together. `reset()` after a success starts over at `initial`.
///
/// One type for every retry loop: the serial device opener, the MQTT client and the PostgreSQL inserter. Delays are
/// `Duration`s to be waited on the monotonic clock (`retryAt(after:)`), so a wall-clock step never stretches one.
/// The jitter's random source is a seeded generator: pass `seed` for a schedule a test can repeat.
public struct Backoff: Sendable {
    /// The shape of a back-off. Settings and tests pass a short one (`Policy(initial: .milliseconds(50), ...)`) to
    /// make an outage test take seconds.
    public struct Policy: Sendable, Equatable {
        public var initial: Duration
        public var maximum: Duration
        public var factor: Double
        /// 0 ... 1: each delay is drawn from `base * (1 - jitter) ... base * (1 + jitter)`, capped at `maximum`.
        public var jitter: Double

        public init(initial: Duration, maximum: Duration, factor: Double = 2, jitter: Double = 0) {
            precondition(initial > .zero && maximum >= initial, "a back-off grows from a positive initial delay to its maximum")
            precondition(factor >= 1, "a back-off does not shrink")
            precondition((0...1).contains(jitter), "jitter is a fraction of the delay")
            self.initial = initial
            self.maximum = maximum
            self.factor = factor
            self.jitter = jitter
        }
    }

    public let policy: Policy
    /// The delay before spreading, of the next failure.
    private var base: Duration
    /// Failures since the last `reset()`.
    public private(set) var failures = 0
    private var random: SeededRandom

    /// `seed`: the jitter's source (nil: a random seed).
    public init(_ policy: Policy, seed: UInt64? = nil) {
        self.policy = policy
        base = policy.initial
        var system = SystemRandomNumberGenerator()
        random = SeededRandom(seed: seed ?? system.next())
    }

    /// The delay after one more failure; the following one grows by `factor` up to `maximum`.
    public mutating func nextDelay() -> Duration {
        failures += 1
        let delay = spread(base)
        base = min(policy.maximum, base * policy.factor)
        return delay
    }

    /// When to try again after one more failure: `nextDelay()` from now on `clock`.
    public mutating func retryAt(after clock: MonotonicClock = .system) -> MonotonicClock.Instant {
        clock.deadline(after: nextDelay())
    }

    /// After a success: the next failure waits `initial` again.
    public mutating func reset() {
        base = policy.initial
        failures = 0
    }

    private mutating func spread(_ delay: Duration) -> Duration {
        guard policy.jitter > 0 else { return delay }
        let unit = Double(random.next() >> 11) / Double(1 << 53)   // 0 ..< 1
        let scale = 1 - policy.jitter + 2 * policy.jitter * unit
        return min(policy.maximum, delay * scale)
    }
}
