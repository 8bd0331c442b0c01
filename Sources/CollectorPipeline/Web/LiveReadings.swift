import Protocols
import Synchronization

/// The web face's memory of the meters: the latest reading of each (as decode JSON, encoded once) and its power
/// import/export over the last hour (one point per second at most) and the last 24 hours (one average per minute),
/// in fixed rings. A hostile meter inventing ids gets at most `maximumMeters` entries; readings of further ids are
/// counted and not kept.
final class LiveReadings: Sendable {
    static let maximumMeters = 16
    static let rawPoints = 3_600
    static let minutePoints = 1_440

    struct Sample: Sendable {
        var time: Int64
        /// Watts; NaN when the reading has no such value.
        var importW: Float
        var exportW: Float
    }

    fileprivate struct Meter {
        var latest: Reading
        var latestJSON: [UInt8]
        var raw = SampleRing(capacity: LiveReadings.rawPoints)
        var minutes = SampleRing(capacity: LiveReadings.minutePoints)
        var minute: Int64 = .min
        var sums = (importW: 0.0, importCount: 0, exportW: 0.0, exportCount: 0)
    }

    private struct State {
        var meters: [String: Meter] = [:]
        var order: [String] = []
        var ignored = 0
    }

    private let state = Mutex(State())

    /// Keeps the reading; returns its decode JSON (for the event stream).
    func record(_ reading: Reading) -> [UInt8] {
        var json: [UInt8] = []
        json.reserveCapacity(128 + reading.values.count * 80)
        ReadingJSON.append(reading, to: &json)
        let sample = Sample(time: reading.timestamp, importW: Self.watts(reading.value(of: .ACTIVE_POWER_P)),
                            exportW: Self.watts(reading.value(of: .ACTIVE_POWER_N)))
        state.withLock { state in
            if state.meters[reading.source] == nil {
                guard state.order.count < Self.maximumMeters else {
                    state.ignored += 1
                    return
                }
                state.order.append(reading.source)
                state.meters[reading.source] = Meter(latest: reading, latestJSON: json)
            }
            state.meters[reading.source]!.record(reading, json: json, sample: sample)
        }
        return json
    }

    /// `[reading, ...]` of the latest reading of every meter, in the order they first appeared.
    func latestJSON() -> [UInt8] {
        state.withLock { state in
            var out: [UInt8] = [UInt8(ascii: "[")]
            for (index, id) in state.order.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                out += state.meters[id]!.latestJSON
            }
            out.append(UInt8(ascii: "]"))
            return out
        }
    }

    func latestReadings() -> [Reading] {
        state.withLock { state in state.order.map { state.meters[$0]!.latest } }
    }

    /// Readings of meters beyond `maximumMeters`, not kept.
    var ignoredReadings: Int { state.withLock { $0.ignored } }

    /// The power of `meter` over the `minutes` before its newest point: raw points for up to 60 minutes, one per
    /// minute beyond (up to 1440); nil for an unknown meter.
    /// `{"meter":"...","resolution_seconds":1,"points":[[time,import_W,export_W],...]}`.
    func historyJSON(meter id: String, minutes: Int) -> [UInt8]? {
        state.withLock { state -> [UInt8]? in
            guard let meter = state.meters[id] else { return nil }
            let ring = minutes <= 60 ? meter.raw : meter.minutes
            var out = Array(#"{"meter":"#.utf8)
            ReadingJSON.appendString(id, to: &out)
            out += Array(#","resolution_seconds":\#(minutes <= 60 ? 1 : 60),"points":["#.utf8)
            let newest = ring.last?.time ?? 0
            let since = newest - Int64(minutes) * 60
            var first = true
            ring.forEach { sample in
                guard sample.time > since else { return }
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                out += Array("[\(sample.time),".utf8)
                Self.appendNumber(sample.importW, to: &out)
                out.append(UInt8(ascii: ","))
                Self.appendNumber(sample.exportW, to: &out)
                out.append(UInt8(ascii: "]"))
            }
            out += Array("]}".utf8)
            return out
        }
    }

    private static func appendNumber(_ value: Float, to out: inout [UInt8]) {
        if value.isNaN { out += Array("null".utf8) } else { TextBytes.append(Double(value), to: &out) }
    }

    /// A power value in W (P1 meters send kW).
    static func watts(_ point: DataPoint?) -> Float {
        guard let point, let number = point.value.number else { return .nan }
        return Float(point.unit?.lowercased() == "kw" ? number * 1000 : number)
    }
}

extension LiveReadings.Meter {
    fileprivate mutating func record(_ reading: Reading, json: [UInt8], sample: LiveReadings.Sample) {
        latest = reading
        latestJSON = json
        // One raw point per second: a faster meter's later reading of the same second replaces the earlier one.
        if let last = raw.last, last.time == sample.time { raw.replaceLast(sample) } else { raw.append(sample) }
        let minute = sample.time / 60 * 60
        if minute != self.minute {
            if self.minute != .min { minutes.append(averages(at: self.minute)) }
            self.minute = minute
            sums = (0, 0, 0, 0)
        }
        if !sample.importW.isNaN { sums.importW += Double(sample.importW); sums.importCount += 1 }
        if !sample.exportW.isNaN { sums.exportW += Double(sample.exportW); sums.exportCount += 1 }
    }

    private func averages(at minute: Int64) -> LiveReadings.Sample {
        LiveReadings.Sample(time: minute,
                            importW: sums.importCount == 0 ? .nan : Float(sums.importW / Double(sums.importCount)),
                            exportW: sums.exportCount == 0 ? .nan : Float(sums.exportW / Double(sums.exportCount)))
    }
}

/// A fixed-capacity ring of samples, oldest first; the storage grows to `capacity` and no further.
struct SampleRing: Sendable {
    let capacity: Int
    private var storage: [LiveReadings.Sample] = []
    private var start = 0

    init(capacity: Int) { self.capacity = capacity }

    var last: LiveReadings.Sample? {
        storage.isEmpty ? nil : storage[(start + storage.count - 1) % storage.count]
    }

    mutating func append(_ sample: LiveReadings.Sample) {
        if storage.count < capacity {
            storage.append(sample)
        } else {
            storage[start] = sample
            start = (start + 1) % capacity
        }
    }

    mutating func replaceLast(_ sample: LiveReadings.Sample) {
        storage[(start + storage.count - 1) % storage.count] = sample
    }

    func forEach(_ body: (LiveReadings.Sample) -> Void) {
        for index in 0..<storage.count { body(storage[(start + index) % storage.count]) }
    }
}
