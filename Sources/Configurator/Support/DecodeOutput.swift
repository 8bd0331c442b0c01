import Glibc
import Protocols
import SystemSupport

/// The JSON lines of `decode`, formatted on a thread of their own while the caller decodes: readings are handed over
/// in batches (at most `queuedBatches` of `batchSize` waiting, so memory stays bounded), written into one reused byte
/// buffer and given to standard output in large writes.
final class DecodeOutput: @unchecked Sendable {
    static let writeSize = 1 << 20
    static let batchSize = 384
    static let queuedBatches = 6

    private let condition = ConditionLock()
    private var batches: [[Reading]] = []
    private var ended = false
    private var finished = false
    private var pending: [Reading] = []

    init() {
        pending.reserveCapacity(Self.batchSize)
        startDetachedThread(name: "decode-output") { [self] in run() }
    }

    func append(_ reading: Reading) {
        pending.append(reading)
        if pending.count >= Self.batchSize { handOver() }
    }

    /// Writes everything appended and returns once it is written.
    func finish() {
        handOver()
        condition.lock()
        ended = true
        condition.broadcast()
        while !finished { condition.wait(seconds: 0.1) }
        condition.unlock()
    }

    private func handOver() {
        guard !pending.isEmpty else { return }
        condition.lock()
        while batches.count >= Self.queuedBatches { condition.wait(seconds: 0.1) }
        batches.append(pending)
        condition.broadcast()
        condition.unlock()
        pending = []
        pending.reserveCapacity(Self.batchSize)
    }

    private func run() {
        let buffer = OutputBytes(capacity: Self.writeSize + (64 << 10))
        var failed = false
        func flush() {
            // A closed standard output (`| head`) ends the writing, not the decoding summary.
            if !failed, !buffer.isEmpty { failed = buffer.withBytes { FileSystem.writeAll(STDOUT_FILENO, $0) } != nil }
            buffer.removeAll(keepingCapacityUpTo: Self.writeSize + (64 << 10))
        }
        while true {
            condition.lock()
            while batches.isEmpty && !ended { condition.wait(seconds: 0.1) }
            if batches.isEmpty {
                condition.unlock()
                break
            }
            let batch = batches.removeFirst()
            condition.broadcast()
            condition.unlock()
            for reading in batch {
                ReadingJSON.appendLine(reading, to: buffer)
                if buffer.count >= Self.writeSize { flush() }
            }
        }
        flush()
        condition.withLock {
            finished = true
            condition.broadcast()
        }
    }
}
