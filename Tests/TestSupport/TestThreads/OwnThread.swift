import Glibc
import Synchronization
import Testing

/// Most of our tests wait: on a broker, a database server, a collector process, a pseudo-terminal. They are written
/// as synchronous functions, and Swift Testing runs those on the cooperative thread pool, which has one thread per
/// core: on a two-core machine only two such tests made progress at a time while the others queued, each merely
/// waiting. `@Suite(.onOwnThread)` runs each test case of the suite on a thread of its own instead, at most
/// `TestSlots.width` test cases at once (the processes the tests start still need the cores).
public struct OnOwnThread: TestTrait, SuiteTrait, TestScoping {
    public var isRecursive: Bool { true }

    public func provideScope(for test: Test, testCase: Test.Case?,
                             performing function: @Sendable () async throws -> Void) async throws {
        // The suite's own scope holds no test body; only test cases take a slot.
        guard testCase != nil else { return try await function() }
        await TestSlots.shared.acquire()
        defer { TestSlots.shared.release() }
        try await withTaskExecutorPreference(ThreadPerJobExecutor.shared) { try await function() }
    }
}

extension Trait where Self == OnOwnThread {
    /// Each test case on a thread of its own, at most `SMARTMETER_TEST_PARALLELISM` (default 6) at once.
    public static var onOwnThread: Self { OnOwnThread() }
}

/// Runs every job it is given on a new detached thread: a test body that blocks in `waitpid`, `poll` or `usleep`
/// blocks only its own thread. Jobs are whole slices of a task between suspension points, so a test makes a few
/// threads, not many.
final class ThreadPerJobExecutor: TaskExecutor, @unchecked Sendable {
    static let shared = ThreadPerJobExecutor()

    private final class Work {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        let work = Unmanaged.passRetained(Work { job.runSynchronously(on: executor) }).toOpaque()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        pthread_attr_setdetachstate(&attributes, Int32(PTHREAD_CREATE_DETACHED))
        var thread = pthread_t()
        let result = pthread_create(&thread, &attributes, { argument in
            Unmanaged<Work>.fromOpaque(argument!).takeRetainedValue().run()
            return nil
        }, work)
        precondition(result == 0, "cannot start a test thread: error \(result)")
    }
}

/// A counting semaphore for test cases, awaited without holding a thread; waiters are served in order.
final class TestSlots: Sendable {
    static let shared = TestSlots(width: TestSlots.width)

    /// `SMARTMETER_TEST_PARALLELISM`, else 6: on two cores, 8 at once let CPU-heavy neighbours (Home Assistant,
    /// Chromium, TimescaleDB) starve a collector past a test's shutdown bound.
    static var width: Int {
        if let text = getenv("SMARTMETER_TEST_PARALLELISM").map({ String(cString: $0) }), let value = Int(text),
           value > 0 {
            return value
        }
        return 6
    }

    private struct State {
        var free: Int
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Mutex<State>

    init(width: Int) {
        state = Mutex(State(free: width))
    }

    func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let granted = state.withLock { state in
                guard state.free > 0 else {
                    state.waiting.append(continuation)
                    return false
                }
                state.free -= 1
                return true
            }
            if granted { continuation.resume() }
        }
    }

    func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard !state.waiting.isEmpty else {
                state.free += 1
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume()
    }
}
