import FoundationEssentials
import Glibc
import Protocols
import SystemSupport

/// The bounded queue in front of one sink, bounded in readings and in bytes (`ReadingSize`). What a full queue does
/// is the pusher's choice (`WhenFull`): a serial meter cannot wait, so the oldest reading is dropped and counted and a
/// slow or dead sink costs only its own data; a file can wait, so its reader blocks until the sink has taken some.
final class SinkQueue: @unchecked Sendable {
    enum WhenFull: Sendable {
        /// Drop the oldest reading, counted (serial meters).
        case dropOldest
        /// Wait for room unless `stop` is set (replayed files). A waiting pusher keeps the queue at most
        /// `waitingCapacity` readings and `waitingBytes` bytes, so that a replay holds little memory.
        case wait(unless: StopFlag)
    }

    /// Bounds for a pusher that waits: enough to write in large batches, small enough for a fixed memory bound.
    static let waitingCapacity = 1_024
    static let waitingBytes = 1 << 20

    let capacity: Int
    let maximumBytes: Int
    private let condition = ConditionLock()
    private var ring: [Reading?]
    private var head = 0
    private var count = 0
    private var bytes = 0
    private var closed = false
    /// Closed because every reader reached the end of its input (not because of a shutdown).
    private(set) var endOfInput = false
    private(set) var dropped = 0
    private(set) var accepted = 0

    init(capacity: Int, maximumBytes: Int) {
        precondition(capacity > 0 && maximumBytes > 0)
        self.capacity = capacity
        self.maximumBytes = maximumBytes
        self.ring = Array(repeating: nil, count: capacity)
    }

    func push(_ reading: Reading, whenFull: WhenFull) {
        let size = ReadingSize.bytes(of: reading)
        condition.lock()
        defer { condition.unlock() }
        insert(reading, size: size, whenFull: whenFull)
        condition.broadcast()
    }

    /// The same as pushing each reading in turn, under one lock and with one wake-up of the sink's thread (a
    /// replayed file hands over the readings of each chunk it decoded).
    func push(_ readings: [Reading], whenFull: WhenFull) {
        guard !readings.isEmpty else { return }
        condition.lock()
        defer { condition.unlock() }
        for reading in readings { insert(reading, size: ReadingSize.bytes(of: reading), whenFull: whenFull) }
        condition.broadcast()
    }

    /// For a pusher that waits: queues readings from the front of `readings` while there is room, without waiting;
    /// returns how many it took (0 when the queue is full or closed).
    func offer(_ readings: ArraySlice<Reading>) -> Int {
        condition.lock()
        defer { condition.unlock() }
        let limit = min(maximumBytes, Self.waitingBytes)
        var taken = 0
        for reading in readings {
            let size = ReadingSize.bytes(of: reading)
            guard !closed, count < min(capacity, Self.waitingCapacity), count == 0 || bytes + size <= limit else { break }
            accepted += 1
            ring[(head + count) % capacity] = reading
            count += 1
            bytes += size
            taken += 1
        }
        if taken > 0 { condition.broadcast() }
        return taken
    }

    /// With the lock held.
    private func insert(_ reading: Reading, size: Int, whenFull: WhenFull) {
        switch whenFull {
        case .dropOldest:
            guard !closed else { return }
            while count > 0 && (count == capacity || bytes + size > maximumBytes) {
                removeHead()
                dropped += 1
            }
        case .wait(let stop):
            let readings = min(capacity, Self.waitingCapacity)
            let limit = min(maximumBytes, Self.waitingBytes)
            while !closed && !stop.isSet && count > 0 && (count >= readings || bytes + size > limit) {
                condition.broadcast()  // what this pusher queued so far is for the sink's thread to take
                condition.wait(seconds: 0.05)
            }
            guard !closed, !stop.isSet else { return }
            // A serial reader may have filled the queue meanwhile: its rule applies to the rest.
            while count == capacity {
                removeHead()
                dropped += 1
            }
        }
        accepted += 1
        ring[(head + count) % capacity] = reading
        count += 1
        bytes += size
    }

    /// Up to `limit` readings in arrival order; waits up to `timeout` seconds for the first one. An empty array
    /// means "nothing yet"; nil means the queue is closed and drained.
    func pop(limit: Int, timeout: Double) -> [Reading]? {
        condition.lock()
        defer { condition.unlock() }
        if count == 0 && !closed {
            condition.wait(seconds: timeout)
        }
        if count == 0 { return closed ? nil : [] }
        var batch: [Reading] = []
        batch.reserveCapacity(min(limit, count))
        while count > 0 && batch.count < limit {
            batch.append(ring[head]!)
            removeHead()
        }
        condition.broadcast()
        return batch
    }

    /// No more pushes; the consumer drains what is queued and then gets nil. `endOfInput`: the readers have read
    /// everything (a replayed file), so the sink should store all of it before it closes.
    func close(endOfInput: Bool = false) {
        condition.lock()
        if !closed { self.endOfInput = endOfInput }
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    var counters: (accepted: Int, dropped: Int, queued: Int) {
        condition.lock()
        defer { condition.unlock() }
        return (accepted, dropped, count)
    }

    var wasEndOfInput: Bool {
        condition.withLock { endOfInput }
    }

    private func removeHead() {
        bytes -= ReadingSize.bytes(of: ring[head]!)
        ring[head] = nil
        head = (head + 1) % capacity
        count -= 1
    }
}

/// Hands every reading to every sink's queue. Readers call `publish` from their threads.
struct FanOut: Sendable {
    let queues: [SinkQueue]
    var whenFull: SinkQueue.WhenFull = .dropOldest
    /// Where readers report their counters (the web face); nil without one.
    var status: StatusBoard?

    /// The same queues, for a reader that waits for room instead of dropping (a replayed file).
    func waiting(unless stop: StopFlag) -> FanOut {
        FanOut(queues: queues, whenFull: .wait(unless: stop), status: status)
    }

    func publish(_ reading: Reading) {
        for queue in queues { queue.push(reading, whenFull: whenFull) }
    }

    /// The same as publishing each reading in turn, with fewer locks and wake-ups: a serial meter's readings go to
    /// each queue at once (a full queue drops its oldest); a file's go to every queue as far as each has room, and
    /// only when none has room does the publisher wait, for the queue furthest behind. So a stuck sink holds the
    /// others back by at most this batch (the readings of one chunk of the file) beyond its own queue.
    func publish(_ readings: [Reading]) {
        switch whenFull {
        case .dropOldest:
            for queue in queues { queue.push(readings, whenFull: whenFull) }
        case .wait(let stop):
            var positions = [Int](repeating: 0, count: queues.count)
            while !stop.isSet {
                var moved = false
                var behind: Int?
                for index in queues.indices where positions[index] < readings.count {
                    let taken = queues[index].offer(readings[positions[index]...])
                    positions[index] += taken
                    moved = moved || taken > 0
                    if positions[index] < readings.count, behind.map({ positions[index] < positions[$0] }) ?? true {
                        behind = index
                    }
                }
                guard let behind else { return }
                if !moved {
                    queues[behind].push(readings[positions[behind]], whenFull: whenFull)
                    positions[behind] += 1
                }
            }
        }
    }
}
