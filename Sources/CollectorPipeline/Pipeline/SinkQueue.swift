import DequeModule
import FoundationEssentials
import Glibc
import Protocols
import SystemSupport

/// The bounded queue in front of one sink, bounded in readings and in bytes (`ReadingSize`). What a full queue does
/// is the pusher's choice (`WhenFull`): a serial meter cannot wait, so the oldest reading is dropped and counted and a
/// slow or dead sink costs only its own data; a file can wait, so its reader blocks until the sink has taken some.
package final class SinkQueue: @unchecked Sendable {
    package enum WhenFull: Sendable {
        /// Drop the oldest reading, counted (serial meters).
        case dropOldest
        /// Wait for room unless `stop` is set (replayed files). A waiting pusher keeps the queue at most
        /// `waitingCapacity` readings and `waitingBytes` bytes, so that a replay holds little memory.
        case wait(unless: StopFlag)
    }

    /// Bounds for a pusher that waits: enough to write in large batches, small enough for a fixed memory bound.
    package static let waitingCapacity = 1_024
    package static let waitingBytes = 1 << 20

    package let capacity: Int
    package let maximumBytes: Int
    private let condition = ConditionLock()
    /// Oldest first, each with its `ReadingSize` (counted once); grows as readings wait (up to `capacity`), so an
    /// idle sink's queue holds next to nothing.
    private var queued = Deque<(reading: Reading, size: Int)>()
    private var bytes = 0
    private var closed = false
    /// Closed because every reader reached the end of its input (not because of a shutdown).
    private(set) var endOfInput = false
    private(set) var dropped = 0
    private(set) var accepted = 0

    package init(capacity: Int, maximumBytes: Int) {
        precondition(capacity > 0 && maximumBytes > 0)
        self.capacity = capacity
        self.maximumBytes = maximumBytes
    }

    package func push(_ reading: Reading, whenFull: WhenFull) {
        let size = ReadingSize.bytes(of: reading)
        condition.lock()
        defer { condition.unlock() }
        insert(reading, size: size, whenFull: whenFull)
        condition.broadcast()
    }

    /// The same as pushing each reading in turn, under one lock and with one wake-up of the sink's thread (a
    /// replayed file hands over the readings of each chunk it decoded).
    package func push(_ readings: [Reading], whenFull: WhenFull) {
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
            guard !closed, queued.count < min(capacity, Self.waitingCapacity),
                  queued.isEmpty || bytes + size <= limit else { break }
            accepted += 1
            queued.append((reading, size))
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
            while !queued.isEmpty && (queued.count == capacity || bytes + size > maximumBytes) {
                removeOldest()
                dropped += 1
            }
        case .wait(let stop):
            let readings = min(capacity, Self.waitingCapacity)
            let limit = min(maximumBytes, Self.waitingBytes)
            while !closed && !stop.isSet && !queued.isEmpty && (queued.count >= readings || bytes + size > limit) {
                condition.broadcast()  // what this pusher queued so far is for the sink's thread to take
                condition.wait(seconds: 0.05)
            }
            guard !closed, !stop.isSet else { return }
            // A serial reader may have filled the queue meanwhile: its rule applies to the rest.
            while queued.count == capacity {
                removeOldest()
                dropped += 1
            }
        }
        accepted += 1
        queued.append((reading, size))
        bytes += size
    }

    /// Up to `limit` readings in arrival order; waits up to `timeout` seconds for the first one. An empty array
    /// means "nothing yet"; nil means the queue is closed and drained.
    package func pop(limit: Int, timeout: Double) -> [Reading]? {
        condition.lock()
        defer { condition.unlock() }
        if queued.isEmpty && !closed {
            condition.wait(seconds: timeout)
        }
        if queued.isEmpty { return closed ? nil : [] }
        let taken = min(limit, queued.count)
        var batch: [Reading] = []
        batch.reserveCapacity(taken)
        for entry in queued.prefix(taken) {
            batch.append(entry.reading)
            bytes -= entry.size
        }
        queued.removeFirst(taken)
        condition.broadcast()
        return batch
    }

    /// No more pushes; the consumer drains what is queued and then gets nil. `endOfInput`: the readers have read
    /// everything (a replayed file), so the sink should store all of it before it closes.
    package func close(endOfInput: Bool = false) {
        condition.lock()
        if !closed { self.endOfInput = endOfInput }
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    package var counters: (accepted: Int, dropped: Int, queued: Int) {
        condition.lock()
        defer { condition.unlock() }
        return (accepted, dropped, queued.count)
    }

    var wasEndOfInput: Bool {
        condition.withLock { endOfInput }
    }

    private func removeOldest() {
        bytes -= queued.removeFirst().size
    }
}

/// Hands every reading to every sink's queue. Readers call `publish` from their threads.
package struct FanOut: Sendable {
    package let queues: [SinkQueue]
    package var whenFull: SinkQueue.WhenFull = .dropOldest
    /// Where readers report their counters (the web face); nil without one.
    var status: StatusBoard?

    package init(queues: [SinkQueue], whenFull: SinkQueue.WhenFull = .dropOldest) {
        self.queues = queues
        self.whenFull = whenFull
    }

    init(queues: [SinkQueue], whenFull: SinkQueue.WhenFull = .dropOldest, status: StatusBoard?) {
        self.queues = queues
        self.whenFull = whenFull
        self.status = status
    }

    /// The same queues, for a reader that waits for room instead of dropping (a replayed file).
    package func waiting(unless stop: StopFlag) -> FanOut {
        FanOut(queues: queues, whenFull: .wait(unless: stop), status: status)
    }

    package func publish(_ reading: Reading) {
        for queue in queues { queue.push(reading, whenFull: whenFull) }
    }

    /// The same as publishing each reading in turn, with fewer locks and wake-ups: a serial meter's readings go to
    /// each queue at once (a full queue drops its oldest); a file's go to every queue as far as each has room, and
    /// only when none has room does the publisher wait, for the queue furthest behind. So a stuck sink holds the
    /// others back by at most this batch (the readings of one chunk of the file) beyond its own queue.
    package func publish(_ readings: [Reading]) {
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
