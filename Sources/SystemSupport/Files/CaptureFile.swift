import Glibc
import MeterDecoding

/// A capture read as a stream in fixed-size chunks, from a file or standard input, so that a file of any size takes
/// the same memory. Knows its size when it is a regular file, for progress reports.
public final class CaptureFile {
    public static let chunkSize = 1 << 17

    public struct OpenError: Error, CustomStringConvertible {
        public let description: String
    }

    public let path: String
    /// The size of a regular file; nil for a pipe, a terminal, standard input that is not a file.
    public let size: Int?
    public private(set) var bytesRead = 0
    private var descriptor: Int32
    private let ownsDescriptor: Bool
    private var chunk: [UInt8]

    /// `nil` or `-`: standard input.
    public init(path: String?) throws(OpenError) {
        if let path, path != "-" {
            if FileSystem.kind(of: path) == .directory { throw OpenError(description: "'\(path)' is a directory") }
            descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else {
                throw OpenError(description: "cannot read '\(path)': \(FileSystem.errorText())")
            }
            self.path = path
            ownsDescriptor = true
        } else {
            descriptor = STDIN_FILENO
            self.path = "-"
            ownsDescriptor = false
        }
        var info = stat()
        size = fstat(descriptor, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG ? Int(info.st_size) : nil
        chunk = [UInt8](repeating: 0, count: Self.chunkSize)
        _ = posix_fadvise(descriptor, 0, 0, POSIX_FADV_SEQUENTIAL)
    }

    deinit { close() }

    /// The next chunk, handed to `body`; false at the end of the input (or on a read error, in `readError`).
    public func next(_ body: (UnsafeRawBufferPointer) -> Void) -> Bool {
        guard descriptor >= 0 else { return false }
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 { readError = FileSystem.errorText() }
            guard count > 0 else { return false }
            bytesRead += count
            chunk.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
            return true
        }
    }

    /// Why the last read failed, if it did.
    public private(set) var readError: String?

    /// Idempotent.
    public func close() {
        if ownsDescriptor && descriptor >= 0 { _ = Glibc.close(descriptor) }
        descriptor = -1
    }
}

/// A capture read and converted (`CaptureText`: hex text to bytes) on a thread of its own, a few slots ahead of
/// the caller, which decodes meanwhile: reading and hex conversion cost about as much as decoding a third of the
/// messages, and a replay or `decode` then keeps both cores busy. A slot holds at least `slotBytes` converted bytes
/// (several chunks of hex text; a stream's chunks go on as they arrive): the decoder has milliseconds of work queued, so that neither thread waits for the
/// other when the scheduler runs them on one core in turn. At most `slots` slots wait, in buffers reused from slot to
/// slot, so memory stays fixed whatever the size of the file.
public final class CaptureReadAhead: @unchecked Sendable {
    public static let slots = 4
    public static let slotBytes = 1 << 17

    private let file: CaptureFile
    private let condition = ConditionLock()
    /// Converted chunks in order, and the buffers free for the reading thread to fill.
    private var filled: [(bytes: [UInt8], bytesRead: Int)] = []
    private var free: [[UInt8]] = []
    private var ended = false
    private var stopped = false
    private var finished = false
    private var text = CaptureText()
    private var consumedBytesRead = 0

    public var path: String { file.path }
    /// The size of a regular file (see `CaptureFile.size`).
    public var size: Int? { file.size }

    /// Starts reading at once.
    public init(_ file: CaptureFile) {
        self.file = file
        free = Array(repeating: [], count: Self.slots)
        startDetachedThread(name: "capture-read") { [self] in run() }
    }

    /// The next converted bytes (possibly none, at the start of a hex capture), handed to `body`; false at the end of
    /// the input or after `close`.
    public func next(_ body: (UnsafeRawBufferPointer) -> Void) -> Bool {
        condition.lock()
        while filled.isEmpty && !ended && !stopped { condition.wait(seconds: 0.1) }
        guard !filled.isEmpty, !stopped else {
            condition.unlock()
            return false
        }
        let chunk = filled.removeFirst()
        condition.unlock()
        consumedBytesRead = chunk.bytesRead
        chunk.bytes.withUnsafeBytes(body)
        condition.withLock {
            free.append(chunk.bytes)
            condition.broadcast()
        }
        return true
    }

    /// Bytes of the file behind what `next` has handed out so far.
    public var bytesRead: Int { consumedBytesRead }

    /// Once `next` returned false: why reading failed, if it did.
    public var readError: String? { condition.withLock { ended ? file.readError : nil } }

    /// Once `next` returned false: characters of a hex capture that were not hex digits.
    public var skippedCharacters: Int { condition.withLock { ended ? text.skippedCharacters : 0 } }

    /// Stops the reading thread and closes the file; idempotent.
    public func close() {
        condition.lock()
        stopped = true
        condition.broadcast()
        while !finished { condition.wait(seconds: 0.1) }
        condition.unlock()
        file.close()
    }

    private func run() {
        var buffer: [UInt8] = []
        func take() -> Bool {
            condition.lock()
            defer { condition.unlock() }
            while free.isEmpty && !stopped { condition.wait(seconds: 0.1) }
            guard !stopped else { return false }
            buffer = free.removeLast()
            buffer.removeAll(keepingCapacity: true)
            // The most a slot takes: just under `slotBytes`, then one chunk more (hex text converts to at most half).
            buffer.reserveCapacity(Self.slotBytes + CaptureFile.chunkSize)
            return true
        }
        func handOver(last: Bool) {
            condition.withLock {
                // A chunk may convert to nothing (held back until the kind of capture is known): its buffer is free.
                if !buffer.isEmpty || last { filled.append((buffer, file.bytesRead)) } else { free.append(buffer) }
                if last { ended = true }
                condition.broadcast()
            }
            buffer = []
        }
        reading: while take() {
            repeat {
                let more = file.next { chunk in text.feed(chunk) { buffer.append(contentsOf: $0) } }
                if !more {
                    text.finish { buffer.append(contentsOf: $0) }
                    handOver(last: true)
                    break reading
                }
                // A stream (standard input from a pipe or a terminal) is handed on as it arrives.
            } while file.size != nil && buffer.count < Self.slotBytes && !condition.withLock({ stopped })
            handOver(last: false)
        }
        condition.withLock {
            ended = true
            finished = true
            condition.broadcast()
        }
    }
}
