import Protocols
import SystemSupport
import Testing
import TestSupport
import TestThreads

@Suite("Back-off: growth, cap, reset, jitter; deadlines on the monotonic clock", .onOwnThread)
struct BackoffTests {
    static func delays(_ policy: Backoff.Policy, _ count: Int, seed: UInt64 = 1) -> [Duration] {
        var backoff = Backoff(policy, seed: seed)
        return (0..<count).map { _ in backoff.nextDelay() }
    }

    @Test("without jitter: initial, then multiplied by the factor after each failure up to the maximum")
    func growthAndCap() {
        let policy = Backoff.Policy(initial: .seconds(1), maximum: .seconds(30))
        #expect(Self.delays(policy, 8) == [1, 2, 4, 8, 16, 30, 30, 30].map { .seconds($0) })
        let triple = Backoff.Policy(initial: .milliseconds(500), maximum: .seconds(5), factor: 3)
        #expect(Self.delays(triple, 5) == [500, 1500, 4500, 5000, 5000].map { .milliseconds($0) })
        let flat = Backoff.Policy(initial: .milliseconds(250), maximum: .milliseconds(250), factor: 1)
        #expect(Self.delays(flat, 3) == Array(repeating: .milliseconds(250), count: 3))
    }

    @Test("reset after a success: the next failure waits the initial delay again")
    func reset() {
        var backoff = Backoff(Backoff.Policy(initial: .milliseconds(250), maximum: .seconds(5)))
        for _ in 0..<4 { _ = backoff.nextDelay() }
        #expect(backoff.failures == 4)
        #expect(backoff.nextDelay() == .seconds(4))
        backoff.reset()
        #expect(backoff.failures == 0)
        #expect(backoff.nextDelay() == .milliseconds(250))
        #expect(backoff.nextDelay() == .milliseconds(500))
    }

    @Test("jitter: every delay within ±jitter of its base and never above the maximum; a seed repeats the schedule")
    func jitterBounds() {
        let policy = Backoff.Policy(initial: .seconds(1), maximum: .seconds(30), factor: 2, jitter: 0.2)
        for seed in UInt64(0)..<200 {
            let delays = Self.delays(policy, 8, seed: seed)
            var base = Duration.seconds(1)
            for delay in delays {
                #expect(delay >= base * 0.8 && delay <= min(.seconds(30), base * 1.2), "seed \(seed): \(delay) from \(base)")
                base = min(.seconds(30), base * 2)
            }
        }
        #expect(Self.delays(policy, 8, seed: 7) == Self.delays(policy, 8, seed: 7))
        #expect(Self.delays(policy, 8, seed: 7) != Self.delays(policy, 8, seed: 8))
        // Spread over the range, not stuck at one end: the first delays of many seeds cover most of 0.8 ... 1.2 s.
        let firsts = (UInt64(0)..<200).map { Self.delays(policy, 1, seed: $0)[0] }
        #expect(firsts.min()! < .milliseconds(850) && firsts.max()! > .milliseconds(1150))
    }

    @Test("the retry deadline is on the clock it is given: it comes closer only as that clock advances")
    func deadlineOnInjectedClock() {
        let manual = ManualClock()
        var backoff = Backoff(Backoff.Policy(initial: .seconds(2), maximum: .seconds(8)))
        let start = manual.now
        let first = backoff.retryAt(after: manual.clock)
        #expect(first - start == .seconds(2))
        manual.advance(by: .seconds(1))
        #expect(manual.now < first, "one second of the clock: not due yet")
        manual.advance(by: .seconds(1))
        #expect(manual.now >= first, "two seconds of the clock: due")
        let second = backoff.retryAt(after: manual.clock)
        #expect(second - manual.now == .seconds(4), "measured from the clock's now at the failure")
    }

    @Test("a wait on a condition lock ends by the clock it is given, not by real time alone")
    func conditionWaitOnInjectedClock() {
        let manual = ManualClock()
        let lock = ConditionLock()
        let deadline = manual.clock.deadline(after: .milliseconds(100))
        let real = ContinuousClock.now
        var waits = 0
        lock.withLock {
            // The clock stands still: 100 ms of real time pass per wait, the deadline stays ahead.
            while manual.now < deadline, waits < 3 {
                lock.wait(until: deadline, clock: manual.clock)
                waits += 1
            }
        }
        #expect(waits == 3 && manual.now < deadline)
        #expect(ContinuousClock.now - real >= .milliseconds(250), "each wait took the remaining 100 ms of real time")
        manual.advance(by: .milliseconds(100))
        let before = ContinuousClock.now
        #expect(lock.withLock { lock.wait(until: deadline, clock: manual.clock) } == false)
        #expect(ContinuousClock.now - before < .milliseconds(50), "a deadline already passed does not wait")
    }

    @Test("MonotonicClock.system is ContinuousClock; seconds(_:) and .seconds round-trip")
    func systemClock() {
        let a = ContinuousClock.now
        let b = MonotonicClock.system.now
        let c = ContinuousClock.now
        #expect(a <= b && b <= c)
        #expect(Duration.seconds(1.25).seconds == 1.25)
        #expect(Duration.milliseconds(-1500).seconds == -1.5)
    }
}
