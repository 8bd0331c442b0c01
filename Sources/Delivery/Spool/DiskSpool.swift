#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Protocols
import SystemSupport

/// A bounded first-in-first-out queue of records on disk, for sinks that must not lose data while their server is
/// away. Records survive a restart and a crash:
///
///     spool.dat : record* ; record = length (u32 LE) | CRC-32 of the payload (u32 LE) | payload
///     spool.head: offset of the first record not yet delivered (u64 LE) | CRC-32 of those 8 bytes
///
/// Appends are written with `pwrite` and made durable with `fdatasync` once per batch. On open, the records after the
/// head are checked and a torn tail (a crash mid-write) is cut off. The head is replaced atomically (write a temporary
/// file, rename). When the records waiting exceed `maximumBytes`, the oldest are dropped and counted; so are they
/// when the disk itself is full (see `DiskSpool+Room.swift`).
public final class DiskSpool {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// Where a record starts in the data file; also the cursor a reader passes back.
    public typealias Offset = UInt64

    public let directory: URL
    public let maximumBytes: Int
    let dataPath: String
    private let headPath: String
    var descriptor: Int32
    /// First record not delivered, in the data file.
    var physicalHead: UInt64 = 0
    /// End of the last complete record, in the data file.
    var physicalEnd: UInt64 = 0
    /// Offsets handed out are logical and never move: the file position plus what compaction cut off before it.
    var base: UInt64 = 0
    /// The data file's blocks before this position were given back to the file system (a full disk).
    var punchedUpTo: UInt64 = 0
    /// Bytes the data file took on disk when an append last had to make room.
    var allocatedWhenFull: UInt64 = 0

    /// First record not delivered.
    public var head: Offset { base + physicalHead }
    /// End of the last complete record.
    public var end: Offset { base + physicalEnd }
    /// Records dropped because the spool or its disk was full, since it was opened.
    public internal(set) var droppedRecords = 0
    /// Of those, the records dropped because the disk was full.
    public internal(set) var droppedForSpace = 0
    /// The last append found the disk full and made room by dropping the oldest records.
    public internal(set) var diskFull = false
    /// Bytes cut off a torn tail when the spool was opened.
    public private(set) var discardedTailBytes = 0

    static let headerSize = 8

    /// `clock` gives seconds on a clock that never jumps (the machine's monotonic clock by default); it paces the head
    /// writes, see `headSyncInterval`.
    public init(directory: URL, maximumBytes: Int, clock: @escaping () -> Double = MonotonicClock.seconds) throws(Failure) {
        self.directory = directory
        self.clock = clock
        self.maximumBytes = max(maximumBytes, 4096)
        dataPath = directory.appendingPathComponent("spool.dat").path
        headPath = directory.appendingPathComponent("spool.head").path
        do {
            try FileSystem.prepareFolder(directory.path)
        } catch {
            throw Failure(description: "cannot use spool directory \(directory.path): \(error)")
        }
        descriptor = open(dataPath, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o640)
        guard descriptor >= 0 else { throw Failure(description: "cannot open \(dataPath): \(Self.errnoText())") }
        var info = stat()
        guard fstat(descriptor, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            throw Failure(description: "cannot open \(dataPath): not a regular file")
        }
        let size = UInt64(max(0, lseek(descriptor, 0, SEEK_END)))
        let storedHead = Self.readHead(headPath) ?? 0
        physicalHead = skipPunched(from: min(storedHead, size), size: size)
        physicalEnd = recover(from: physicalHead, size: size)
        if physicalEnd < size {
            discardedTailBytes = Int(size - physicalEnd)
            _ = ftruncate(descriptor, off_t(physicalEnd))
            _ = fdatasync(descriptor)
        }
        if physicalHead != storedHead {
            // A head beyond the end of the data file (the file was replaced or cut short) would, left on disk, point
            // into the records appended from now on and make the next open discard them.
            try writeHead()
        }
        // The first acknowledgement after opening writes the head at once, however long the machine has been up.
        lastHeadWrite = nil
    }

    deinit {
        try? flush()
        close(descriptor)
    }

    /// Bytes of records waiting for delivery (with their headers).
    public var pendingBytes: Int { Int(physicalEnd - physicalHead) }
    public var isEmpty: Bool { physicalHead == physicalEnd }

    // MARK: writing

    /// Appends records and makes them durable (one fdatasync for the batch).
    public func append<Records: Sequence>(_ records: Records) throws(Failure) where Records.Element == [UInt8] {
        var batch: [UInt8] = []
        for record in records {
            var length = UInt32(record.count).littleEndian
            var crc = CRC32.checksum(record).littleEndian
            withUnsafeBytes(of: &length) { batch.append(contentsOf: $0) }
            withUnsafeBytes(of: &crc) { batch.append(contentsOf: $0) }
            batch.append(contentsOf: record)
        }
        guard !batch.isEmpty else { return }
        try writeMakingRoom(batch)
        guard fdatasync(descriptor) == 0 else { throw Failure(description: "fdatasync \(dataPath): \(Self.errnoText())") }
        physicalEnd += UInt64(batch.count)
        try enforceBound()
    }

    public func append(_ record: [UInt8]) throws(Failure) {
        try append(CollectionOfOne(record))
    }

    // MARK: reading

    /// The record at `offset` (head or a cursor returned before) and the offset after it; nil at the end.
    public func record(at offset: Offset) -> (payload: [UInt8], next: Offset)? {
        guard offset >= head, offset + UInt64(Self.headerSize) <= end else { return nil }
        let position = offset - base
        guard let (length, crc) = readHeader(at: position) else { return nil }
        let next = position + UInt64(Self.headerSize) + UInt64(length)
        guard next <= physicalEnd, let payload = read(count: Int(length), at: position + UInt64(Self.headerSize)),
              CRC32.checksum(payload) == crc else { return nil }
        return (payload, base + next)
    }

    /// Up to `limit` records from `offset` (head or a cursor returned before), ending before `stop` (a record
    /// boundary) when given, and the offset after the last; read in blocks of `readBlock` bytes rather than two reads
    /// per record. Stops early, like `record(at:)`, at a record that cannot be read or fails its CRC.
    public func records(from offset: Offset, before stop: Offset? = nil, limit: Int) -> (payloads: [[UInt8]], next: Offset) {
        var payloads: [[UInt8]] = []
        var cursor = offset
        let stopAt = min(stop ?? end, end)
        guard offset >= head else { return ([], offset) }
        while payloads.count < limit, cursor + UInt64(Self.headerSize) <= stopAt {
            let blockStart = cursor
            guard let block = read(count: Int(min(stopAt - cursor, UInt64(Self.readBlock))), at: cursor - base) else { break }
            var position = 0
            let corrupt = block.withUnsafeBytes { bytes -> Bool in
                while payloads.count < limit, position + Self.headerSize <= bytes.count {
                    guard let (size, crc) = header(in: bytes, at: position) else { return true }
                    let length = Int(size)
                    let start = position + Self.headerSize
                    guard start + length <= bytes.count else { break }
                    let payload = UnsafeRawBufferPointer(rebasing: bytes[start..<start + length])
                    guard CRC32.checksum(payload) == crc else { return true }
                    payloads.append([UInt8](payload))
                    position = start + length
                }
                return false
            }
            cursor = blockStart + UInt64(position)
            if corrupt { break }
            if position == 0 {
                // A record longer than a block.
                guard let (payload, next) = record(at: cursor), next <= stopAt else { break }
                payloads.append(payload)
                cursor = next
            }
        }
        return (payloads, cursor)
    }

    /// Bytes read at once by `records(from:before:limit:)`.
    static let readBlock = 256 << 10

    /// Marks every record before `offset` as delivered. When everything is delivered the file is emptied.
    ///
    /// The head is written to disk at most every `headSyncInterval` seconds (and by `flush()` and at release): a
    /// crash replays what was delivered since, never skips anything, because the head on disk only ever lags behind
    /// and the file is rewritten (with the head first set to 0 on disk) before any offset moves backwards.
    public func acknowledge(upTo offset: Offset) throws(Failure) {
        guard offset > head, offset <= end else { return }
        physicalHead = offset - base
        if physicalHead == physicalEnd && physicalHead >= Self.truncateThreshold {
            // Everything delivered: start the file over. Head 0 reaches the disk before the file shrinks.
            base += physicalEnd
            physicalHead = 0
            physicalEnd = 0
            punchedUpTo = 0
            allocatedWhenFull = 0
            try writeHead()
            guard ftruncate(descriptor, 0) == 0 else { throw Failure(description: "truncate \(dataPath): \(Self.errnoText())") }
            return
        }
        if physicalHead > UInt64(min(maximumBytes, Self.compactThreshold)) && physicalHead >= nextCompaction {
            if compact() { return }
            // No room for the copy (a full disk): give the delivered blocks back instead, and try again later.
            punchHole(upTo: physicalHead)
            nextCompaction = physicalHead + UInt64(Self.compactThreshold)
        }
        headDirty = true
        if let last = lastHeadWrite, clock() - last < headSyncInterval { return }
        try writeHead()
    }

    /// Writes the head now if it moved since it was last written.
    public func flush() throws(Failure) {
        if headDirty { try writeHead() }
    }

    /// Seconds between head writes while records are acknowledged: the first acknowledgement after opening writes
    /// the head at once, later ones when this much time has passed since the last write.
    public var headSyncInterval: Double = 1.0
    var headDirty = false
    private let clock: () -> Double
    /// When the head was last written, on `clock`; nil until the first write after opening.
    private var lastHeadWrite: Double?
    /// Compaction is not tried again before the head passes this (after one failed for want of space).
    private var nextCompaction: UInt64 = 0
    /// A fully delivered file is emptied once it is this long (shorter ones just move the head).
    static let truncateThreshold: UInt64 = 64 << 10
    /// Delivered bytes at the start of the file beyond which the waiting records are moved to a new file.
    static let compactThreshold = 4 << 20

    // MARK: internals

    /// Walks the records from `start`; returns the end of the last valid one.
    private func recover(from start: Offset, size: UInt64) -> Offset {
        var offset = start
        while let next = recordEnd(at: offset, size: size) { offset = next }
        return offset
    }

    /// The end of the record at `offset` when it is complete within `size` and its CRC checks out.
    func recordEnd(at offset: Offset, size: UInt64) -> Offset? {
        guard offset + UInt64(Self.headerSize) <= size, let (length, crc) = readHeader(at: offset) else { return nil }
        let next = offset + UInt64(Self.headerSize) + UInt64(length)
        guard next <= size, let payload = read(count: Int(length), at: offset + UInt64(Self.headerSize)),
              CRC32.checksum(payload) == crc else { return nil }
        return next
    }

    func readHeader(at offset: Offset) -> (UInt32, UInt32)? {
        guard let bytes = read(count: Self.headerSize, at: offset) else { return nil }
        return bytes.withUnsafeBytes { header(in: $0, at: 0) }
    }

    /// The length and CRC of the record header at `position` in `bytes`; nil for a length beyond `maximumBytes`.
    func header(in bytes: UnsafeRawBufferPointer, at position: Int) -> (UInt32, UInt32)? {
        let length = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: position, as: UInt32.self))
        let crc = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: position + 4, as: UInt32.self))
        guard Int(length) <= maximumBytes else { return nil }
        return (length, crc)
    }

    func read(count: Int, at offset: Offset) -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = buffer.withUnsafeMutableBytes {
                pread(descriptor, $0.baseAddress! + done, count - done, off_t(offset) + off_t(done))
            }
            guard n > 0 else { return nil }
            done += n
        }
        return buffer
    }

    /// Writes all of `bytes` at `offset`; nil, or the errno that stopped it.
    func write(_ bytes: [UInt8], at offset: Offset) -> Int32? {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes {
                pwrite(descriptor, $0.baseAddress! + done, bytes.count - done, off_t(offset) + off_t(done))
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return n < 0 ? errno : ENOSPC }
            done += n
        }
        return nil
    }

    /// Drops the oldest records until what waits fits the bound.
    private func enforceBound() throws(Failure) {
        guard pendingBytes > maximumBytes else { return }
        var position = physicalHead
        while physicalEnd - position > UInt64(maximumBytes), let (length, _) = readHeader(at: position) {
            position += UInt64(Self.headerSize) + UInt64(length)
            droppedRecords += 1
        }
        try acknowledge(upTo: base + position)
    }

    /// Moves the waiting records to the start of a new file so the delivered prefix does not grow without end.
    /// False when the copy could not be written (a full disk); nothing has changed then.
    private func compact() -> Bool {
        let temporary = dataPath + ".compact"
        let target = open(temporary, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o640)
        guard target >= 0 else { return false }
        func abandon() -> Bool {
            close(target)
            unlink(temporary)
            return false
        }
        var offset = physicalHead
        var written: UInt64 = 0
        while offset < physicalEnd {
            let chunk = Int(min(UInt64(1 << 20), physicalEnd - offset))
            guard let bytes = read(count: chunk, at: offset) else { return abandon() }
            let n = bytes.withUnsafeBytes { pwrite(target, $0.baseAddress!, chunk, off_t(written)) }
            guard n == chunk else { return abandon() }
            offset += UInt64(chunk)
            written += UInt64(chunk)
        }
        guard fdatasync(target) == 0 else { return abandon() }
        // Head to 0 first: a crash before the rename then replays delivered records (duplicates), never skips any.
        let (oldBase, oldHead) = (base, physicalHead)
        base += physicalHead
        physicalHead = 0
        guard (try? writeHead()) != nil, rename(temporary, dataPath) == 0 else {
            (base, physicalHead) = (oldBase, oldHead)
            headDirty = true
            return abandon()
        }
        close(descriptor)
        descriptor = target
        physicalEnd = written
        punchedUpTo = 0
        nextCompaction = 0
        return true
    }

    func writeHead() throws(Failure) {
        lastHeadWrite = clock()
        var bytes = [UInt8](repeating: 0, count: 12)
        for i in 0..<8 { bytes[i] = UInt8(truncatingIfNeeded: physicalHead >> (8 * UInt64(i))) }
        let crc = CRC32.checksum(bytes[0..<8])
        for i in 0..<4 { bytes[8 + i] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(i))) }
        let temporary = headPath + ".tmp"
        // O_NOFOLLOW: a symbolic link planted as the temporary name is refused, not written through.
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o640)
        guard fd >= 0 else { throw Failure(description: "cannot write \(temporary): \(Self.errnoText())") }
        let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress!, 12) }
        let reason = n == 12 ? nil : (n < 0 ? Self.errnoText() : "short write")
        _ = fdatasync(fd)
        close(fd)
        guard reason == nil, rename(temporary, headPath) == 0 else {
            let text = reason ?? Self.errnoText()
            unlink(temporary)
            headDirty = true
            throw Failure(description: "cannot replace \(headPath): \(text)")
        }
        headDirty = false
    }

    private static func readHead(_ path: String) -> Offset? {
        guard let data = FileManager.default.contents(atPath: path), data.count == 12 else { return nil }
        let bytes = [UInt8](data)
        let offset = bytes[0..<8].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let crc = bytes[8..<12].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        return CRC32.checksum(bytes[0..<8]) == crc ? offset : nil
    }

    static func errnoText(_ code: Int32 = errno) -> String { FileSystem.errorText(code) }
}
