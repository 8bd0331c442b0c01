/// A growable byte buffer for output text (JSON lines, CSV rows, COPY data), reused from batch to batch. A writer
/// reserves the most it can write (`write(upTo:)`) and then stores bytes through a `ByteWriter` without a capacity
/// check or a uniqueness check per byte: the output path of `decode` and the file sinks keeps up with the decoder.
public final class OutputBytes {
    public private(set) var count = 0
    public private(set) var capacity: Int
    private var base: UnsafeMutablePointer<UInt8>

    public init(capacity: Int = 1 << 16) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
    }

    deinit { base.deallocate() }

    public var isEmpty: Bool { count == 0 }

    /// Room for `maximum` more bytes, then `body` writes at most that many; what it wrote is kept.
    @inline(__always)
    public func write(upTo maximum: Int, _ body: (inout ByteWriter) -> Void) {
        if count + maximum > capacity { grow(to: count + maximum) }
        var writer = ByteWriter(base + count)
        body(&writer)
        let written = writer.cursor - (base + count)
        precondition(written <= maximum, "ByteWriter wrote past what it reserved")
        count += written
    }

    public func append(_ bytes: UnsafeRawBufferPointer) {
        write(upTo: bytes.count) { $0.bytes(bytes) }
    }

    public func append(_ byte: UInt8) {
        write(upTo: 1) { $0.byte(byte) }
    }

    public func withBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(start: base, count: count))
    }

    public var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: count)) }

    /// Empties the buffer; keeps up to `keeping` bytes of capacity (a burst must not pin a large buffer).
    public func removeAll(keepingCapacityUpTo keeping: Int = 4 << 20) {
        count = 0
        if capacity > keeping {
            base.deallocate()
            capacity = max(keeping, 64)
            base = .allocate(capacity: capacity)
        }
    }

    private func grow(to needed: Int) {
        var size = capacity
        while size < needed { size *= 2 }
        let larger = UnsafeMutablePointer<UInt8>.allocate(capacity: size)
        larger.update(from: base, count: count)
        base.deallocate()
        base = larger
        capacity = size
    }
}

/// Stores bytes at a cursor into memory its owner reserved (`OutputBytes.write(upTo:)`, `[UInt8].appendWriting`).
public struct ByteWriter {
    public private(set) var cursor: UnsafeMutablePointer<UInt8>

    /// A writer at `cursor`: the caller has reserved what will be written there.
    @inline(__always)
    public init(_ cursor: UnsafeMutablePointer<UInt8>) { self.cursor = cursor }

    @inline(__always)
    public mutating func byte(_ value: UInt8) {
        cursor.initialize(to: value)
        cursor += 1
    }

    @inline(__always)
    public mutating func text(_ text: StaticString) {
        cursor.update(from: text.utf8Start, count: text.utf8CodeUnitCount)
        cursor += text.utf8CodeUnitCount
    }

    @inline(__always)
    public mutating func bytes(_ bytes: UnsafeRawBufferPointer) {
        guard let start = bytes.baseAddress, bytes.count > 0 else { return }
        UnsafeMutableRawPointer(cursor).copyMemory(from: start, byteCount: bytes.count)
        cursor += bytes.count
    }

    /// The UTF-8 of `text` as it is (the caller knows it needs no escaping); reserve `text.utf8.count`.
    @inline(__always)
    public mutating func utf8(_ text: String) {
        if let done: Void = text.utf8.withContiguousStorageIfAvailable({ bytes(UnsafeRawBufferPointer($0)) }) {
            return done
        }
        for unit in text.utf8 { byte(unit) }
    }
}

extension Array where Element == UInt8 {
    /// Appends what `body` writes, at most `maximum` bytes (through a temporary buffer).
    public mutating func appendWriting(upTo maximum: Int, _ body: (inout ByteWriter) -> Void) {
        let written = [UInt8](unsafeUninitializedCapacity: Swift.max(maximum, 1)) { buffer, initialized in
            var writer = ByteWriter(buffer.baseAddress!)
            body(&writer)
            initialized = writer.cursor - buffer.baseAddress!
            precondition(initialized <= maximum, "ByteWriter wrote past what it reserved")
        }
        append(contentsOf: written)
    }
}
