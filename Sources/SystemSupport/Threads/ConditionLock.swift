import Glibc

/// A mutex and its condition variable (pthreads; FoundationEssentials has neither NSLock nor NSCondition): the
/// lock and the wait/signal pair of the sink queues, the spooled publisher and the PostgreSQL inserter. Timed waits
/// run on the monotonic clock, so a wall-clock step never stretches or cuts them.
public final class ConditionLock: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    /// A recursive lock may be taken again by the thread that holds it.
    public init(recursive: Bool = false) {
        var mutexAttributes = pthread_mutexattr_t()
        pthread_mutexattr_init(&mutexAttributes)
        if recursive { pthread_mutexattr_settype(&mutexAttributes, Int32(PTHREAD_MUTEX_RECURSIVE)) }
        pthread_mutex_init(mutex, &mutexAttributes)
        pthread_mutexattr_destroy(&mutexAttributes)
        var conditionAttributes = pthread_condattr_t()
        pthread_condattr_init(&conditionAttributes)
        pthread_condattr_setclock(&conditionAttributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &conditionAttributes)
        pthread_condattr_destroy(&conditionAttributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    public func lock() { pthread_mutex_lock(mutex) }

    public func unlock() { pthread_mutex_unlock(mutex) }

    public func withLock<Result>(_ body: () throws -> Result) rethrows -> Result {
        lock()
        defer { unlock() }
        return try body()
    }

    /// Waits (the lock held) until signalled or `duration` has passed; false on timeout. Wakes may be spurious:
    /// callers re-check their condition in a loop.
    @discardableResult
    public func wait(for duration: Duration) -> Bool {
        var deadline = timespec()
        clock_gettime(CLOCK_MONOTONIC, &deadline)
        let wait = min(max(duration, .zero), .seconds(1_000_000_000))
        let (seconds, attoseconds) = wait.components
        let nanoseconds = deadline.tv_nsec + Int(attoseconds / 1_000_000_000)
        deadline.tv_sec += Int(seconds) + nanoseconds / 1_000_000_000
        deadline.tv_nsec = nanoseconds % 1_000_000_000
        return pthread_cond_timedwait(condition, mutex, &deadline) == 0
    }

    /// Waits (the lock held) until signalled or `deadline` on the monotonic clock; false on timeout.
    @discardableResult
    public func wait(until deadline: MonotonicClock.Instant, clock: MonotonicClock = .system) -> Bool {
        wait(for: deadline - clock.now)
    }

    /// Waits (the lock held) until `done` holds for what `read` gives, or `timeout` has passed, reading again after
    /// every wake; returns the last value read. For a caller waiting on another thread's progress without polling.
    public func wait<Value>(upTo timeout: Duration, clock: MonotonicClock = .system, reading read: () -> Value,
                            until done: (Value) -> Bool) -> Value {
        let deadline = clock.deadline(after: timeout)
        var value = read()
        while !done(value), clock.now < deadline {
            wait(until: deadline, clock: clock)
            value = read()
        }
        return value
    }

    /// `wait(for:)` in seconds.
    @discardableResult
    public func wait(seconds: Double) -> Bool {
        wait(for: .seconds(seconds))
    }

    public func signal() { pthread_cond_signal(condition) }

    public func broadcast() { pthread_cond_broadcast(condition) }
}
