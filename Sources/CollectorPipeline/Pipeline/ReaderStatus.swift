import Configuration
import Protocols
import Glibc
import Synchronization

/// What one reader has done so far, for the web face and the MQTT sinks' Home Assistant diagnostics: its decoder's
/// counters, the last reading and the last drop, the meter ids its readings carried. The reader's thread updates it
/// after each chunk of bytes (one lock, a struct copy); others read snapshots.
final class ReaderStatus: Sendable {
    struct Snapshot: Sendable {
        var statistics = DecoderStatistics()
        var published = 0
        /// Wall-clock seconds of the last reading published, and the monotonic time it came.
        var lastReadingAt: Int64?
        var lastReadingMonotonic: Double?
        var lastDrop: Drop?
        /// Why the reader has no input (a serial port that cannot be opened), until it has again.
        var inputProblem: String?
        /// The last `maximumMeterIDs` distinct meter ids its readings carried, the latest last.
        var meterIDs: [String] = []
        /// What the meter says it is (a P1 telegram's identification line), when its messages carry it.
        var identification: String?
    }

    static let maximumMeterIDs = 8

    let name: String
    let meter: MeterType
    let input: String
    /// Seconds without a reading after which the reader counts as stale.
    let expectedInterval: Double
    private let state = Mutex(Snapshot())

    init(name: String, meter: MeterType, input: String, expectedInterval: Double) {
        self.name = name
        self.meter = meter
        self.input = input
        self.expectedInterval = expectedInterval
    }

    var snapshot: Snapshot { state.withLock { $0 } }

    func update(statistics: DecoderStatistics, published: Int, lastDrop: Drop?, readingArrived: Bool) {
        let now = readingArrived ? (wall: wallClockSeconds(), monotonic: monotonicSeconds()) : nil
        state.withLock {
            $0.statistics = statistics
            $0.published = published
            $0.lastDrop = lastDrop
            if let now {
                $0.lastReadingAt = now.wall
                $0.lastReadingMonotonic = now.monotonic
            }
        }
    }

    /// A reading of `meterID` is about to be published (before the sinks can see it, so that they find its reader).
    /// The reader calls it only when the id or the identification differ from the last ones it noted.
    func noteMeter(_ meterID: String, identification: String?) {
        state.withLock {
            $0.identification = identification
            if $0.meterIDs.last == meterID { return }
            $0.meterIDs.removeAll { $0 == meterID }
            $0.meterIDs.append(meterID)
            if $0.meterIDs.count > Self.maximumMeterIDs { $0.meterIDs.removeFirst() }
        }
    }

    func setInputProblem(_ problem: String?) {
        state.withLock { $0.inputProblem = problem }
    }

    /// Whether the meter connection works: a reading came within `expectedInterval` and the input has no problem.
    func isAvailable(now: Double = monotonicSeconds()) -> Bool {
        staleness(now: now) == nil && snapshot.inputProblem == nil
    }

    /// nil when a reading came within `expectedInterval`, else why not.
    func staleness(now: Double = monotonicSeconds()) -> String? {
        let snapshot = self.snapshot
        guard let last = snapshot.lastReadingMonotonic else {
            return snapshot.inputProblem.map { "no reading yet (\($0))" } ?? "no reading yet"
        }
        let age = now - last
        guard age > expectedInterval else { return nil }
        return "last reading \(Int(age)) s ago (expected within \(Int(expectedInterval)) s)"
            + (snapshot.inputProblem.map { "; \($0)" } ?? "")
    }
}

/// Every reader's and sink's status, for the web face. Readers find theirs by name through the fan-out. It exists
/// with or without a web face: MQTT sinks read the readers' part through `MeterStatusView`.
final class StatusBoard: Sendable {
    let readers: [ReaderStatus]
    let sinks: [SinkWorker]
    let startedAt: Int64
    let startedMonotonic: Double

    init(readers: [ReaderStatus], sinks: [SinkWorker]) {
        self.readers = readers
        self.sinks = sinks
        startedAt = wallClockSeconds()
        startedMonotonic = monotonicSeconds()
    }

    func reader(_ name: String) -> ReaderStatus? { readers.first { $0.name == name } }

    /// The readers' statuses for a configuration: a push meter is stale after `staleAfter` seconds, a readout
    /// meter after three of its intervals (at least `staleAfter`).
    static func readers(of configuration: CollectorConfiguration, staleAfter: Int) -> [ReaderStatus] {
        configuration.readers.map { reader in
            let interval = reader.meter.linkLayer == .iec62056_21 ? max(staleAfter, 3 * reader.interval) : staleAfter
            return ReaderStatus(name: reader.name, meter: reader.meter, input: reader.input.path,
                                expectedInterval: Double(interval))
        }
    }
}

func wallClockSeconds() -> Int64 {
    var now = timespec()
    clock_gettime(CLOCK_REALTIME, &now)
    return Int64(now.tv_sec)
}
