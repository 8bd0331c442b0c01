import CollectorPipeline
import Configuration
import Foundation
import Logging
import Protocols
import ServiceLifecycle
import TestSupport
import Testing

/// What happened in a test, in order, from any thread: readers ending, sinks writing, finishing and closing. Tests
/// wait on it with a deadline (a condition variable, no fixed sleeps).
final class EventLog: @unchecked Sendable {
    private let condition = NSCondition()
    private var entries: [String] = []

    func append(_ entry: String) {
        condition.lock()
        entries.append(entry)
        condition.broadcast()
        condition.unlock()
    }

    var all: [String] {
        condition.lock()
        defer { condition.unlock() }
        return entries
    }

    /// Waits until `predicate` holds for the entries, at most `timeout` seconds; whether it holds.
    @discardableResult
    func wait(timeout: Double = 10, until predicate: ([String]) -> Bool) -> Bool {
        let deadline = Date(timeIntervalSinceNow: timeout)
        condition.lock()
        defer { condition.unlock() }
        while !predicate(entries) {
            if !condition.wait(until: deadline) { return predicate(entries) }
        }
        return true
    }

    /// Something the test waits on that is not an entry: re-checked after every entry and every `poke()`.
    func poke() {
        condition.lock()
        condition.broadcast()
        condition.unlock()
    }

    func index(of entry: String) -> Int? { all.firstIndex(of: entry) }
}

/// A gate a sink's write waits at until the test opens it.
final class Gate: @unchecked Sendable {
    private let condition = NSCondition()
    private var open = false

    func pass() {
        condition.lock()
        while !open { condition.wait() }
        condition.unlock()
    }

    func openUp() {
        condition.lock()
        open = true
        condition.broadcast()
        condition.unlock()
    }
}

/// A sink that records what it is given (and passes it on to a real sink, if given one). It can wait at a gate in
/// its first write, fail every write, or be slow: a pause per write from a seeded generator.
final class TestSink: Sink, @unchecked Sendable {
    let name: String
    private let log: EventLog
    private let inner: (any Sink)?
    private let lock = NSLock()
    private var readings: [Reading] = []
    private var batches: [Int] = []
    private var largestQueue = 0
    var gate: Gate?
    var failWrites = false
    var pauses: SeededPauses?
    /// The queue the worker drains, to record how full it got.
    var queue: SinkQueue?

    init(_ name: String, log: EventLog, passingTo inner: (any Sink)? = nil) {
        self.name = name
        self.log = log
        self.inner = inner
    }

    func write(_ batch: [Reading]) throws {
        let first = lock.withLock { batches.isEmpty }
        lock.withLock {
            batches.append(batch.count)
            if let queue { largestQueue = max(largestQueue, queue.counters.queued) }
        }
        if first { log.append("\(name) writing") }
        if first, let gate { gate.pass() }
        pauses?.pause()
        if failWrites {
            log.append("\(name) failed \(batch.count)")
            throw SinkError(description: "\(name) refuses every write")
        }
        try inner?.write(batch)
        lock.withLock { readings += batch }
        log.append("\(name) wrote \(batch.count)")
    }

    func idle() throws { try inner?.idle() }

    func tick() { inner?.tick() }

    func interrupt() { inner?.interrupt() }

    var health: SinkHealth? { inner?.health }

    func finish() {
        inner?.finish()
        log.append("\(name) finish")
    }

    func close() {
        inner?.close()
        log.append("\(name) close")
    }

    var received: [Reading] { lock.withLock { readings } }
    var receivedCount: Int { lock.withLock { readings.count } }
    var mostQueued: Int { lock.withLock { largestQueue } }
}

/// Short pauses of a slow sink, from a seeded generator so that a failure reproduces.
final class SeededPauses: @unchecked Sendable {
    private var generator: SeededGenerator
    private let microseconds: ClosedRange<UInt32>

    init(seed: UInt64, microseconds: ClosedRange<UInt32>) {
        generator = SeededGenerator(seed: seed)
        self.microseconds = microseconds
    }

    func pause() {
        usleep(UInt32.random(in: microseconds, using: &generator))
    }
}

/// A reader whose behaviour is the test's: `body` runs on the reader's thread with the stop flag.
struct ScriptedReader: Reader {
    let name: String
    let log: EventLog
    let body: @Sendable (StopFlag) -> Void

    func run(stop: StopFlag) {
        log.append("reader \(name) started")
        body(stop)
        log.append("reader \(name) ended")
    }
}

/// Reading `number` of `source`: its timestamp and a value carry the number, so order and loss are visible.
func reading(_ number: Int, source: String = "meter", timestamp: Int64? = nil, values: Int = 1) -> Reading {
    Reading(source: source, timestamp: timestamp ?? 1_774_000_000 + Int64(number),
            values: (0..<values).map { index in
                DataPoint(obis: ObisCode(1, 0, 1, 8, UInt8(index % 250)), type: .ACTIVE_ENERGY_P,
                          value: .number(Double(number)), unit: "Wh")
            })
}

func numbers(_ readings: [Reading]) -> [Int] {
    readings.map { Int($0.values[0].value.number!) }
}

/// A logger that drops everything, for the parts a test does not read.
let quietLogger = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

/// The worker of `sink` with a queue of its own, as the collector makes them.
func worker(_ sink: TestSink, capacity: Int = 10_000, maximumBytes: Int = 16 << 20,
            logger: Logger = quietLogger) -> SinkWorker {
    let queue = SinkQueue(capacity: capacity, maximumBytes: maximumBytes)
    sink.queue = queue
    return SinkWorker(name: sink.name, type: "test", sink: sink, queue: queue, logger: logger,
                      statisticsInterval: 3600)
}

/// What a test body may do to the running pipeline.
struct PipelineControl {
    let group: ServiceGroup

    /// As SIGTERM does.
    func shutDown() async { await group.triggerGracefulShutdown() }
}

/// Runs the pipeline's service group while `body` runs (a body that does not shut it down expects it to end by
/// itself, at the end of the input). Fails the test when the group has not returned within `limit` seconds after
/// `body`.
func runPipeline(readers: [any Reader], workers: [SinkWorker], limit: Double = 20,
                 _ body: (PipelineControl) async throws -> Void) async throws {
    let group = Pipeline(readers: readers, workers: workers, logger: quietLogger).serviceGroup(onSignals: false)
    let ended = EventLog()
    let running = Task {
        defer { ended.append("ended") }
        try await group.run()
    }
    try await body(PipelineControl(group: group))
    let returned = ended.wait(timeout: limit) { !$0.isEmpty }
    #expect(returned, "the pipeline's service group did not return within \(limit) s")
    // Not cancelled: the group would end the process when its threads do not stop within its cancellation bound.
    if !returned { await group.triggerGracefulShutdown() }
    try await running.value
}

/// Log lines a component wrote, with their level.
final class LogRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [(level: Logger.Level, message: String)] = []

    var logger: Logger {
        Logger(label: "test") { _ in Handler(recorder: self) }
    }

    func record(_ level: Logger.Level, _ message: String) {
        lock.withLock { lines.append((level, message)) }
    }

    func messages(atLeast level: Logger.Level) -> [String] {
        lock.withLock { lines.filter { $0.level >= level }.map(\.message) }
    }

    private struct Handler: LogHandler {
        let recorder: LogRecorder
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            recorder.record(event.level, event.message.description)
        }
    }
}

/// A new folder for one test, under the temporary folder; the test removes it.
func makeTemporaryDirectory(_ prefix: String) throws -> String {
    let path = NSTemporaryDirectory() + prefix + "-" + UUID().uuidString.prefix(8)
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// The configuration `text` gives as the collector reads it (file, environment overlay without variables, rules).
func validatedConfiguration(_ text: String, in directory: String) throws -> CollectorConfiguration {
    let path = directory + "/collector.ini"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return try EffectiveConfiguration(IniDocument.load(path: path), location: .file(path), environment: [:])
        .validated().get()
}
