import FoundationEssentials
import Glibc
import Protocols

/// The bounded queue in front of one sink. Readers push without ever waiting; when the queue is full the oldest
/// reading is dropped and counted, so a slow or dead sink costs only its own data.
final class SinkQueue: @unchecked Sendable {
    let capacity: Int
    private let condition = ConditionLock()
    private var ring: [Reading?]
    private var head = 0
    private var count = 0
    private var closed = false
    private(set) var dropped = 0
    private(set) var accepted = 0

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
        self.ring = Array(repeating: nil, count: capacity)
    }

    func push(_ reading: Reading) {
        condition.lock()
        defer { condition.unlock() }
        guard !closed else { return }
        accepted += 1
        if count == capacity {
            ring[head] = nil
            head = (head + 1) % capacity
            count -= 1
            dropped += 1
        }
        ring[(head + count) % capacity] = reading
        count += 1
        condition.signal()
    }

    /// Up to `limit` readings in arrival order; waits up to `timeout` seconds for the first one. An empty array
    /// means "nothing yet"; nil means the queue is closed and drained.
    func pop(limit: Int, timeout: Double) -> [Reading]? {
        condition.lock()
        defer { condition.unlock() }
        if count == 0 && !closed {
            _ = condition.wait(until: Date(timeIntervalSinceNow: timeout))
        }
        if count == 0 { return closed ? nil : [] }
        var batch: [Reading] = []
        batch.reserveCapacity(min(limit, count))
        while count > 0 && batch.count < limit {
            batch.append(ring[head]!)
            ring[head] = nil
            head = (head + 1) % capacity
            count -= 1
        }
        return batch
    }

    /// No more pushes; the consumer drains what is queued and then gets nil.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    var counters: (accepted: Int, dropped: Int, queued: Int) {
        condition.lock()
        defer { condition.unlock() }
        return (accepted, dropped, count)
    }
}

/// Hands every reading to every sink's queue. Readers call `publish` from their threads.
struct FanOut: Sendable {
    let queues: [SinkQueue]

    func publish(_ reading: Reading) {
        for queue in queues { queue.push(reading) }
    }
}
