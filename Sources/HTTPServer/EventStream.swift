import Glibc
import SystemSupport

/// The body of a Server-Sent Events response: the producer `send`s events without ever waiting, the connection's
/// thread takes them. The queue is bounded in bytes: a client that does not keep up (a stalled browser, a hostile
/// reader that never reads) is dropped, its connection ended, and the producer goes on; a browser's EventSource then
/// connects again. While nothing comes, a comment line every `keepAlive` seconds finds a closed connection.
public final class EventStream: @unchecked Sendable {
    public let maximumBytes: Int
    public let keepAlive: Double
    private let condition = ConditionLock()
    private var queued: [[UInt8]] = []
    private var queuedBytes = 0
    /// The event being written and how much of it was.
    private var current: [UInt8] = []
    private var offset = 0
    private var closed = false
    private(set) var overflowed = false
    /// Called once when the connection ends, whatever ended it.
    private var onEnd: (@Sendable (EventStream) -> Void)?

    public init(maximumBytes: Int = 256 << 10, keepAlive: Double = 15, onEnd: (@Sendable (EventStream) -> Void)? = nil) {
        self.maximumBytes = maximumBytes
        self.keepAlive = keepAlive
        self.onEnd = onEnd
    }

    /// Queues one event (already in `event:`/`data:` form); false when the stream is closed, or was just closed
    /// because the client fell `maximumBytes` behind.
    @discardableResult
    public func send(_ event: [UInt8]) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard !closed else { return false }
        guard queuedBytes + event.count <= maximumBytes else {
            overflowed = true
            closed = true
            condition.broadcast()
            return false
        }
        queued.append(event)
        queuedBytes += event.count
        condition.broadcast()
        return true
    }

    /// Ends the stream: the connection ends after what is being written.
    public func close() {
        condition.withLock {
            closed = true
            condition.broadcast()
        }
    }

    public var isOpen: Bool { condition.withLock { !closed } }

    /// Whether the client was dropped for falling behind.
    public var wasDropped: Bool { condition.withLock { overflowed } }

    /// On the connection's thread: copies up to `capacity` bytes into `buffer`, waiting for an event or the
    /// keep-alive; -1 when the stream is closed.
    func read(into buffer: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        condition.lock()
        defer { condition.unlock() }
        if offset == current.count {
            current = []
            offset = 0
            let deadline = MonotonicClock.seconds() + keepAlive
            while queued.isEmpty && !closed {
                let left = deadline - MonotonicClock.seconds()
                if left <= 0 { break }
                condition.wait(seconds: left)
            }
            if closed && (overflowed || queued.isEmpty) { return -1 }
            if queued.isEmpty {
                current = Array(": keep-alive\n\n".utf8)
            } else {
                current = queued.removeFirst()
                queuedBytes -= current.count
            }
        }
        let count = min(capacity, current.count - offset)
        current.withUnsafeBytes { bytes in
            UnsafeMutableRawPointer(buffer).copyMemory(from: bytes.baseAddress! + offset, byteCount: count)
        }
        offset += count
        return count
    }

    /// The connection is gone: nothing more is queued, and the owner is told.
    func ended() {
        let callback: (@Sendable (EventStream) -> Void)? = condition.withLock {
            closed = true
            queued = []
            queuedBytes = 0
            defer { onEnd = nil }
            return onEnd
        }
        callback?(self)
    }
}
